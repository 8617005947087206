@testable import HyperLearn
import XCTest

/// `scatterAddRowBlocks` on the CPU: the concurrent scatter of a decoder chunk's member blocks into
/// their modalities equals the blocks scattered one by one, bit for bit, and refuses bad input.
final class CPURowBlockScatterTests: XCTestCase {
    private let ops = CPUOperations()

    /// Three blocks, two of them into the same destination (a relation with a modality twice), with
    /// repeated rows, large enough to run in parallel: equal to `scatterAddRows` block by block.
    func testBlocksEqualOneByOneScattersBitForBit() throws {
        var g = SeededGenerator(seed: 11)
        let edges = 3_000, d = 40
        let source = randomMatrix(3 * edges, d, using: &g)
        let sizes = [500, 700]
        let targets = [0, 1, 0]
        let indices = targets.map { t in (0..<edges).map { _ in Int32(g.next() % UInt64(sizes[t])) } }
        let initial = sizes.map { randomMatrix($0, d, using: &g) }
        var expected = initial
        for b in 0..<3 {
            try ops.scatterAddRows(source, fromRow: b * edges, indices[b], into: &expected[targets[b]])
        }
        var blocks = initial
        try ops.scatterAddRowBlocks(source, fromRows: [0, edges, 2 * edges], indices, targets: targets, into: &blocks)
        XCTAssertEqual(blocks[0].storage, expected[0].storage)
        XCTAssertEqual(blocks[1].storage, expected[1].storage)
        // By hand: row 0 of destination 1 is its initial row plus every row of block 1 that names item 0.
        var row0 = initial[1].row(0)
        let named = (0..<edges).filter { indices[1][$0] == 0 }
        XCTAssertFalse(named.isEmpty)
        for r in named { for c in 0..<d { row0[c] += source[edges + r, c] } }
        for c in 0..<d { XCTAssertEqual(blocks[1][0, c], row0[c], accuracy: 1e-4) }
    }

    /// The protocol's default (a device runs the blocks in turn) gives the same values as the CPU's.
    func testDefaultImplementationMatchesTheCPU() throws {
        var g = SeededGenerator(seed: 5)
        let source = randomMatrix(8, 3, using: &g)
        let indices: [[Int32]] = [[0, 1, 1, 2], [2, 2, 0, 1]]
        var viaCPU = [Matrix(rows: 3, columns: 3), Matrix(rows: 3, columns: 3)]
        let handleOps = HandleOperations()
        var viaHandles = try viaCPU.map { try handleOps.upload($0) }
        try ops.scatterAddRowBlocks(source, fromRows: [0, 4], indices, targets: [1, 0], into: &viaCPU)
        try handleOps.scatterAddRowBlocks(try handleOps.upload(source), fromRows: [0, 4],
                                          indices.map { handleOps.upload($0) }, targets: [1, 0], into: &viaHandles)
        for k in 0..<2 { XCTAssertEqual(try handleOps.download(viaHandles[k]).storage, viaCPU[k].storage) }
        // Destination 1 got block 0: rows 0, 1, 1, 2 of the source into rows 0, 1, 1, 2.
        XCTAssertEqual(viaCPU[1].row(1), zip(source.row(1), source.row(2)).map { $0 + $1 })
        XCTAssertEqual(viaCPU[1].row(0), source.row(0))
    }

    func testBadBlocksThrow() throws {
        let source = Matrix(rows: 4, columns: 2)
        var destinations = [Matrix(rows: 3, columns: 2)]
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [0], [[0, 3]], targets: [0], into: &destinations),
                              mentioning: "scatterAddRowBlocks", "row 3 outside 0..<3")
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [3], [[0, 1]], targets: [0], into: &destinations),
                              mentioning: "block 0", "2 rows from 3 of 4")
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [0], [[0]], targets: [1], into: &destinations),
                              mentioning: "destination 1 of 1")
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [0, 1], [[0]], targets: [0], into: &destinations),
                              mentioning: "2 offsets, 1 index blocks")
        var narrow = [Matrix(rows: 3, columns: 5)]
        assertInvalidArgument(try ops.scatterAddRowBlocks(source, fromRows: [0], [[0]], targets: [0], into: &narrow),
                              mentioning: "width 2 into width 5")
        XCTAssertEqual(destinations[0].storage, Array(repeating: 0, count: 6), "a refused call writes nothing")
    }

    /// On glibc both heap settings are accepted.
    func testHeapTuningIsAcceptedOnLinux() {
        #if os(Linux)
        XCTAssertTrue(HeapTuning.keepLargeBlocks())
        #else
        XCTAssertFalse(HeapTuning.keepLargeBlocks())
        #endif
    }
}
