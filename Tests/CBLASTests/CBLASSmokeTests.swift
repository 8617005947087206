import CBLAS
import CLAPACKE
import XCTest

/// Calls the C APIs directly, so a broken OpenBLAS or LAPACKE install shows up here first.
final class CBLASSmokeTests: XCTestCase {
    func testSgemmTwoByTwo() {
        let a: [Float] = [1, 2, 3, 4]
        let b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, a, 2, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }

    func testSgesvdSingularValues() {
        // diag(3, 2) rotated: singular values are 3 and 2 whatever the rotation.
        var a: [Float] = [3, 0, 0, 2]
        var s = [Float](repeating: 0, count: 2)
        var u = [Float](repeating: 0, count: 4)
        var vt = [Float](repeating: 0, count: 4)
        var superb = [Float](repeating: 0, count: 1)
        let info = LAPACKE_sgesvd(LAPACK_ROW_MAJOR, 65 /* 'A' */, 65, 2, 2, &a, 2, &s, &u, 2, &vt, 2, &superb)
        XCTAssertEqual(info, 0)
        XCTAssertEqual(s[0], 3, accuracy: 1e-6)
        XCTAssertEqual(s[1], 2, accuracy: 1e-6)
    }
}
