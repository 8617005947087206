@testable import HyperLearn
import XCTest

/// `Matrix` and its operations: values on hand-written matrices, and every public entry point fed a bad
/// shape or index throws an error that names the operation and the problem.
final class MatrixTests: XCTestCase {
    // MARK: Construction

    func testNestedRowsAreRowMajor() throws {
        let m = try Matrix([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.rows, 2)
        XCTAssertEqual(m.columns, 3)
        XCTAssertEqual(m.storage, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(m[1, 0], 4)
        XCTAssertEqual(m.row(1), [4, 5, 6])
        XCTAssertEqual(try Matrix([]).shape.rows, 0)
    }

    func testRaggedNestedRowsThrow() {
        assertInvalidArgument(try Matrix([[1, 2], [3]]), mentioning: "Matrix(_:)", "ragged", "row 1", "1 elements")
        assertInvalidArgument(try Matrix([[1], [2], [3, 4, 5]]), mentioning: "row 2", "3 elements")
    }

    func testStorageOfTheWrongSizeThrows() throws {
        assertInvalidArgument(try Matrix(rows: 2, columns: 3, storage: [1, 2, 3, 4, 5]),
                              mentioning: "Matrix(rows:columns:storage:)", "5 elements", "2×3", "expected 6")
        assertInvalidArgument(try Matrix(rows: -1, columns: 3, storage: []), mentioning: "negative shape", "-1×3")
        XCTAssertEqual(try Matrix(rows: 2, columns: 2, storage: [1, 2, 3, 4]), try Matrix([[1, 2], [3, 4]]))
    }

    // MARK: Gather and scatter

    func testGatherRowsInIndexOrderWithRepeats() throws {
        let m = try Matrix([[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(try m.gatherRows([2, 0, 2]), try Matrix([[5, 6], [1, 2], [5, 6]]))
        XCTAssertEqual(try m.gatherRows([]).shape.rows, 0)
    }

    func testGatherRowsRejectsOutOfRangeIndices() throws {
        let m = try Matrix([[1, 2], [3, 4], [5, 6]])
        assertInvalidArgument(try m.gatherRows([0, 3]), mentioning: "Matrix.gatherRows", "index 3", "position 1", "0..<3")
        assertInvalidArgument(try m.gatherRows([-1]), mentioning: "Matrix.gatherRows", "index -1", "0..<3")
        assertInvalidArgument(try Matrix(rows: 0, columns: 2).gatherRows([0]), mentioning: "index 0", "0..<0")
    }

    func testScatterAddRowsAccumulatesRepeatedIndices() throws {
        var m = try Matrix([[1, 1], [1, 1], [1, 1]])
        try m.scatterAddRows(try Matrix([[1, 2], [10, 20], [100, 200]]), at: [2, 0, 2])
        XCTAssertEqual(m, try Matrix([[11, 21], [1, 1], [102, 203]]))
    }

    func testScatterAddRowsRejectsBadIndicesAndShapes() throws {
        var m = Matrix(rows: 3, columns: 2)
        let rows = try Matrix([[1, 2], [3, 4]])
        assertInvalidArgument(try m.scatterAddRows(rows, at: [0, 3]), mentioning: "Matrix.scatterAddRows", "index 3", "0..<3")
        assertInvalidArgument(try m.scatterAddRows(rows, at: [-2, 0]), mentioning: "index -2", "position 0")
        assertInvalidArgument(try m.scatterAddRows(rows, at: [0]), mentioning: "Matrix.scatterAddRows", "2×2 rows for 1 indices")
        assertInvalidArgument(try m.scatterAddRows(try Matrix([[1, 2, 3]]), at: [0]), mentioning: "1×3", "expected 1×2")
        XCTAssertEqual(m, Matrix(rows: 3, columns: 2), "a rejected scatter leaves the matrix unchanged")
    }

    // MARK: Products and element-wise passes

    func testProductsAgainstHandComputedValues() throws {
        let a = try Matrix([[1, 2, 3], [4, 5, 6]])          // 2 × 3
        let b = try Matrix([[1, 0], [0, 1], [2, -1]])       // 3 × 2
        XCTAssertEqual(try Matrix.product(a, b), try Matrix([[7, -1], [16, -1]]))
        XCTAssertEqual(try Matrix.product(a, a, transposeB: true), try Matrix([[14, 32], [32, 77]]))
        XCTAssertEqual(try Matrix.product(a, a, transposeA: true), try Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        var c = try Matrix([[1, 1], [1, 1]])
        try c.multiply(a, b, alpha: 2, beta: 1)
        XCTAssertEqual(c, try Matrix([[15, -1], [33, -1]]))
    }

    func testProductsRejectMismatchedShapes() throws {
        let a = Matrix(rows: 2, columns: 3), b = Matrix(rows: 2, columns: 3)
        assertInvalidArgument(try Matrix.product(a, b), mentioning: "Matrix.product", "2×3 · 2×3", "inner dimensions 3 and 2")
        XCTAssertEqual(try Matrix.product(a, b, transposeB: true).shape.rows, 2)
        var c = Matrix(rows: 3, columns: 3)
        assertInvalidArgument(try c.multiply(a, b, transposeB: true), mentioning: "Matrix.multiply", "is 2×2", "result is 3×3")
    }

    /// BLAS sizes are 32-bit: a dimension past `Int32.max` is refused before the result is allocated
    /// (an empty operand keeps the test's memory at nothing).
    func testProductsRefuseDimensionsPastBLASLimit() {
        let tall = Matrix(rows: Int(Int32.max) + 1, columns: 0), row = Matrix(rows: 0, columns: 1)
        assertInvalidArgument(try Matrix.product(tall, row), mentioning: "Matrix.product", "BLAS takes dimensions up to 2147483647")
        var wide = Matrix(rows: 0, columns: Int(Int32.max) + 1)
        assertInvalidArgument(try wide.multiply(Matrix(rows: 0, columns: 0), Matrix(rows: 0, columns: Int(Int32.max) + 1)),
                              mentioning: "Matrix.multiply", "BLAS")
    }

    func testAddDotAndBiasAgainstHandComputedValues() throws {
        var m = try Matrix([[1, 2], [3, 4]])
        try m.add(try Matrix([[1, 1], [1, 1]]), scaledBy: -2)
        XCTAssertEqual(m, try Matrix([[-1, 0], [1, 2]]))
        XCTAssertEqual(try m.dot(try Matrix([[1, 2], [3, 4]])), -1 + 0 + 3 + 8)
        XCTAssertEqual(m.squaredNorm, 6)
        try m.addRowVector(try Matrix([[10, 20]]))
        XCTAssertEqual(m, try Matrix([[9, 20], [11, 22]]))
        XCTAssertEqual(m.columnSums, try Matrix([[20, 42]]))
        XCTAssertEqual(m.transposed, try Matrix([[9, 11], [20, 22]]))
    }

    func testElementwisePassesRejectMismatchedShapes() throws {
        var m = Matrix(rows: 2, columns: 2)
        assertInvalidArgument(try m.add(Matrix(rows: 1, columns: 4)), mentioning: "Matrix.add", "2×2 and 1×4")
        assertInvalidArgument(try m.dot(Matrix(rows: 4, columns: 1)), mentioning: "Matrix.dot", "2×2 and 4×1")
        assertInvalidArgument(try m.addRowVector(Matrix(rows: 2, columns: 1)), mentioning: "Matrix.addRowVector", "2×1", "expected 1×2")
        assertInvalidArgument(try m.addRowVector(Matrix(rows: 1, columns: 3)), mentioning: "1×3")
    }
}

extension MatrixTests {
    func testStorageShapeWhoseElementCountOverflowsIsRefused() {
        assertInvalidArgument(try Matrix(rows: Int.max, columns: 2, storage: []), mentioning: "Matrix(rows:columns:storage:)", "overflow")
        assertInvalidArgument(try Matrix(rows: 1 << 32, columns: 1 << 32, storage: [1]), mentioning: "Matrix(rows:columns:storage:)")
    }
}
