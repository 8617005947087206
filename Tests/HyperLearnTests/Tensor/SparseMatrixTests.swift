@testable import HyperLearn
import XCTest

/// `SparseMatrix` on a hand-written four-node graph, and its constructors fed inconsistent input.
final class SparseMatrixTests: XCTestCase {
    /// The weighted 4-cycle 0 – 1 – 2 – 3 – 0 with edge weights 1, 2, 3, 4, as coordinates.
    let cycle: [(row: Int, column: Int, value: Float)] = [
        (0, 1, 1), (1, 0, 1), (1, 2, 2), (2, 1, 2), (2, 3, 3), (3, 2, 3), (3, 0, 4), (0, 3, 4),
    ]
    let cycleDense: [[Float]] = [[0, 1, 0, 4], [1, 0, 2, 0], [0, 2, 0, 3], [4, 0, 3, 0]]

    func testEntriesBuildSortedCSR() throws {
        let a = try SparseMatrix(rows: 4, columns: 4, entries: cycle)
        XCTAssertEqual(a.rowOffsets, [0, 2, 4, 6, 8])
        XCTAssertEqual(a.columnIndices, [1, 3, 0, 2, 1, 3, 0, 2])
        XCTAssertEqual(a.values, [1, 4, 1, 2, 2, 3, 4, 3])
        XCTAssertEqual(a.dense, try Matrix(cycleDense))
        XCTAssertEqual(a.rowSums, [5, 3, 5, 7])
        XCTAssertEqual(a[3, 0], 4)
        XCTAssertEqual(a[3, 1], 0)
    }

    func testCSRArraysGiveTheSameMatrixAsEntries() throws {
        let fromArrays = try SparseMatrix(rows: 4, columns: 4, rowOffsets: [0, 2, 4, 6, 8],
                                          columnIndices: [1, 3, 0, 2, 1, 3, 0, 2], values: [1, 4, 1, 2, 2, 3, 4, 3])
        XCTAssertEqual(fromArrays, try SparseMatrix(rows: 4, columns: 4, entries: cycle))
    }

    func testSpMMMatchesTheDenseProduct() throws {
        let a = try SparseMatrix(rows: 4, columns: 4, entries: cycle)
        let x = try Matrix([[1, 2], [3, 4], [5, 6], [7, 8]])
        // Row 0: 1·(3, 4) + 4·(7, 8) = (31, 36); row 1: (1, 2) + 2·(5, 6) = (11, 14);
        // row 2: 2·(3, 4) + 3·(7, 8) = (27, 32); row 3: 4·(1, 2) + 3·(5, 6) = (19, 26).
        let expected = try Matrix([[31, 36], [11, 14], [27, 32], [19, 26]])
        XCTAssertEqual(try a.multiply(x), expected)
        XCTAssertEqual(try a.multiply(x), try Matrix.product(a.dense, x))
        var y = try Matrix([[1, 1], [1, 1], [1, 1], [1, 1]])
        try a.multiply(x, beta: 2, into: &y)
        XCTAssertEqual(y, try Matrix([[33, 38], [13, 16], [29, 34], [21, 28]]))
        // A wider right side takes the 16-lane path: compare against the dense product.
        let wide = try Matrix(rows: 4, columns: 19, storage: (0..<76).map { Float($0 % 7) - 3 })
        assertClose(try a.multiply(wide), try Matrix.product(a.dense, wide))
    }

    func testSpMMRejectsMismatchedShapes() throws {
        let a = try SparseMatrix(rows: 4, columns: 4, entries: cycle)
        assertInvalidArgument(try a.multiply(Matrix(rows: 3, columns: 2)), mentioning: "SparseMatrix.multiply", "inner dimensions 4 and 3")
        var y = Matrix(rows: 3, columns: 2)
        assertInvalidArgument(try a.multiply(Matrix(rows: 4, columns: 2), into: &y), mentioning: "result is 3×2", "expected 4×2")
    }

    func testDuplicateEntriesAreSummed() throws {
        let a = try SparseMatrix(rows: 2, columns: 2, entries: [(0, 1, 1), (1, 0, 1), (0, 1, 2)])
        XCTAssertEqual(a.dense, try Matrix([[0, 3], [1, 0]]))
        XCTAssertEqual(a.nonzeroCount, 2)
    }

    func testEntriesOutsideTheShapeThrow() {
        assertInvalidArgument(try SparseMatrix(rows: 2, columns: 2, entries: [(0, 1, 1), (2, 0, 1)]),
                              mentioning: "SparseMatrix(rows:columns:entries:)", "entry 1", "(2, 0)", "2×2")
        assertInvalidArgument(try SparseMatrix(rows: 2, columns: 2, entries: [(0, -1, 1)]), mentioning: "(0, -1)")
        assertInvalidArgument(try SparseMatrix(rows: 2, columns: 2, entries: [(-1, 0, 1)]), mentioning: "(-1, 0)")
        assertInvalidArgument(try SparseMatrix(rows: -2, columns: 2, entries: []), mentioning: "negative shape")
    }

    func testInconsistentCSRArraysThrow() {
        func csr(_ rows: Int, _ columns: Int, _ offsets: [Int], _ indices: [Int32], _ values: [Float]) throws -> SparseMatrix {
            try SparseMatrix(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: indices, values: values)
        }
        assertInvalidArgument(try csr(2, 2, [0, 1], [0], [1]), mentioning: "2 row offsets for 2 rows", "expected 3")
        assertInvalidArgument(try csr(2, 2, [0, 1, 2], [0, 1], [1]), mentioning: "2 column indices but 1 values")
        assertInvalidArgument(try csr(2, 2, [1, 1, 2], [0, 1], [1, 1]), mentioning: "from 1 to 2", "expected 0 to 2")
        assertInvalidArgument(try csr(2, 2, [0, 1, 3], [0, 1], [1, 1]), mentioning: "from 0 to 3")
        assertInvalidArgument(try csr(3, 2, [0, 2, 1, 2], [0, 1], [1, 1]), mentioning: "decrease at row 1")
        assertInvalidArgument(try csr(2, 2, [0, 1, 2], [0, 2], [1, 1]), mentioning: "row 1", "column 2", "outside 0..<2")
        assertInvalidArgument(try csr(2, 2, [0, 1, 2], [-1, 0], [1, 1]), mentioning: "row 0", "column -1")
        assertInvalidArgument(try csr(1, 3, [0, 2], [2, 1], [1, 1]), mentioning: "column 1 after column 2", "sorted and distinct")
        assertInvalidArgument(try csr(1, 3, [0, 2], [1, 1], [1, 1]), mentioning: "column 1 after column 1")
    }

    func testTransposeIdentityAndScaling() throws {
        let a = try SparseMatrix(rows: 2, columns: 3, entries: [(0, 2, 5), (1, 0, 1), (1, 2, 2)])
        XCTAssertEqual(a.transposed.dense, a.dense.transposed)
        XCTAssertEqual(try SparseMatrix.identity(3).dense, try Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))
        assertInvalidArgument(try SparseMatrix.identity(-1), mentioning: "SparseMatrix.identity", "-1")
        XCTAssertEqual(try a.scaled(rows: [2, 3], columns: [1, 10, 100]).dense, try Matrix([[0, 0, 1000], [3, 0, 600]]))
        assertInvalidArgument(try a.scaled(rows: [1]), mentioning: "SparseMatrix.scaled", "1 row factors for 2 rows")
        assertInvalidArgument(try a.scaled(columns: [1, 2]), mentioning: "2 column factors for 3 columns")
    }
}

extension SparseMatrixTests {
    func testRowCountOfIntMaxIsRefusedWithoutOverflow() {
        assertInvalidArgument(try SparseMatrix(rows: Int.max, columns: 1, rowOffsets: [0], columnIndices: [], values: []),
                              mentioning: "SparseMatrix(rows:columns:rowOffsets:columnIndices:values:)", "expected more than Int.max")
    }
}
