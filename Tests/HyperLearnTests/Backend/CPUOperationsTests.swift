@testable import HyperLearn
import XCTest

/// `CPUOperations` refuses sizes and offsets whose arithmetic would overflow (a caller's row or order
/// near `Int.max`), where it once trapped, and keeps its results on valid ones.
final class CPUOperationsTests: XCTestCase {
    let ops = CPUOperations()

    func testRowOffsetsNearIntMaxAreRefused() throws {
        let source = try Matrix([[1, 2], [3, 4]])
        var destination = Matrix(rows: 3, columns: 2)
        try ops.gatherRows(source, [1, 0], into: &destination, atRow: 1)
        XCTAssertEqual(destination, try Matrix([[0, 0], [3, 4], [1, 2]]))
        assertInvalidArgument(try ops.gatherRows(source, [1], into: &destination, atRow: Int.max), mentioning: "gatherRows", "from \(Int.max)")
        assertInvalidArgument(try ops.gatherRows(source, [1, 0], into: &destination, atRow: 2), mentioning: "gatherRows", "from 2 of 3×2")
        assertInvalidArgument(try ops.scatterAddRows(source, fromRow: Int.max, [0], into: &destination), mentioning: "scatterAddRows", "from \(Int.max)")
        assertInvalidArgument(try ops.copyRows(source, into: &destination, atRow: Int.max), mentioning: "copyRows", "from \(Int.max)")
        var destinations = [destination]
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [Int.max], [[0]], targets: [0], into: &destinations),
                              mentioning: "scatterAddRowBlocks", "from \(Int.max)")
        try ops.copyRows(source, into: &destination, atRow: 1)
        XCTAssertEqual(destination, try Matrix([[0, 0], [1, 2], [3, 4]]))
    }

    func testOrdersWhoseProductsOverflowAreRefused() throws {
        var scores = Matrix(rows: 2, columns: 1)
        assertInvalidArgument(try ops.addMemberSums(Matrix(rows: 4, columns: 1), order: Int.max / 2 + 1, to: &scores), mentioning: "addMemberSums")
        try ops.addMemberSums(try Matrix([[1], [2], [3], [4]]), order: 2, to: &scores)
        XCTAssertEqual(scores, try Matrix([[4], [6]]))
        assertInvalidArgument(try ops.concatenateMembers(Matrix(rows: 0, columns: 3), order: Int.max), mentioning: "concatenateMembers", "order \(Int.max)")
        var gradients = Matrix(rows: 0, columns: 3)
        assertInvalidArgument(try ops.addSplitMembers(Matrix(rows: 0, columns: 2), order: Int.max / 2, to: &gradients), mentioning: "addSplitMembers")
        var lambdaScores = Matrix(rows: 2, columns: 1)
        assertInvalidArgument(try ops.addCPScores(Matrix(rows: 4, columns: 1), order: Int.max / 2 + 1, lambda: Matrix(rows: 1, columns: 1),
                                                  mu: Matrix(rows: 1, columns: 1), to: &lambdaScores), mentioning: "addCPScores")
        // No columns: every head count divides them, but `heads · order` weight columns must exist.
        let empty = Matrix(rows: 4, columns: 0)
        assertInvalidArgument(try ops.memberAttention(queries: empty, keys: empty, values: empty, order: 2, heads: Int.max),
                              mentioning: "memberAttention")
    }

    func testShapesWhoseElementCountOverflowsAreRefused() throws {
        var x = Matrix(rows: 2, columns: 3)
        try ops.reshape(&x, rows: 3, columns: 2)
        XCTAssertEqual(x.shape.rows, 3)
        assertInvalidArgument(try ops.reshape(&x, rows: Int.max, columns: 2), mentioning: "reshape")
        assertInvalidArgument(try ops.mapShards(-1) { $0 }, mentioning: "mapShards", "-1")
        XCTAssertEqual(try ops.mapShards(3) { $0 * 2 }, [0, 2, 4])
        assertInvalidArgument(try HandleOperations().mapShards(-2) { $0 }, mentioning: "mapShards", "-2")
    }

    /// BLAS counts are 32-bit: a longer vector goes in pieces that cover it once, in order.
    func testBLASChunksCoverAVectorLongerThanInt32InPieces() throws {
        let piece = Int(Int32.max)
        XCTAssertTrue(CPUKernels.blasChunks(0).isEmpty)
        XCTAssertEqual(CPUKernels.blasChunks(5).map { [$0.start, $0.count] }, [[0, 5]])
        XCTAssertEqual(CPUKernels.blasChunks(piece).map { [$0.start, $0.count] }, [[0, piece]])
        XCTAssertEqual(CPUKernels.blasChunks(2 * piece + 3).map { [$0.start, $0.count] },
                       [[0, piece], [piece, piece], [2 * piece, 3]])
        var x = try Matrix(rows: 1, columns: 3, storage: [1, -2, 4])
        x.scale(by: 0.5)
        XCTAssertEqual(x.storage, [0.5, -1, 2])
    }
}
