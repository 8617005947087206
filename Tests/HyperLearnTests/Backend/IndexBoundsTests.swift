@testable import HyperLearn
import XCTest

/// The bounds that device operations check indices by (taken once, at upload).
final class IndexBoundsTests: XCTestCase {
    func testBoundsOfAllIndices() throws {
        XCTAssertNil(IndexBounds([]))
        let bounds = try XCTUnwrap(IndexBounds([3, -2, 7, 0]))
        XCTAssertEqual([bounds.lowest, bounds.highest], [-2, 7])
        XCTAssertEqual(bounds.description, "-2…7")
        XCTAssertEqual(try XCTUnwrap(IndexBounds([5, 5])).description, "5")
        XCTAssertFalse(bounds.isWithin(rows: 8), "a negative index fits no matrix")
        let positive = try XCTUnwrap(IndexBounds([3, 7, 0]))
        XCTAssertTrue(positive.isWithin(rows: 8))
        XCTAssertFalse(positive.isWithin(rows: 7))
        XCTAssertFalse(positive.isWithin(rows: 0))
    }

    /// The vectorised pass over every index agrees with a plain minimum and maximum on long inputs.
    func testLongInputsAgreeWithMinAndMax() throws {
        var generator = SeededGenerator(seed: 11)
        let indices = (0..<10_001).map { _ in Int32(truncatingIfNeeded: generator.next() % 2_000_001) - 1_000_000 }
        let bounds = try XCTUnwrap(IndexBounds(indices))
        XCTAssertEqual(bounds.lowest, indices.min())
        XCTAssertEqual(bounds.highest, indices.max())
    }

    /// Members of hyperedges, row-major, have one pair of bounds per position: each position indexes
    /// its own modality's table.
    func testBoundsByMemberPosition() throws {
        let members: [Int32] = [0, 4, 1,
                                2, 2, 0,
                                1, 0, 9]
        let bounds = IndexBounds.byPosition(members, period: 3)
        XCTAssertEqual(bounds.map { $0?.description }, ["0…2", "0…4", "0…9"])
        XCTAssertEqual(IndexBounds.byPosition(members, period: 1), [IndexBounds(members)])
        XCTAssertEqual(IndexBounds.byPosition([], period: 2), [nil, nil])
        XCTAssertEqual(IndexBounds.byPosition([6], period: 2).map { $0?.description }, ["6", nil])
        XCTAssertEqual(IndexBounds.byPosition(members, period: 0), [])
    }

    func testRequireNamesTheOperationAndTheRange() throws {
        let none: IndexBounds? = nil
        XCTAssertNoThrow(try none.require("gatherRows", rowsBelow: 0), "no indices fit even an empty matrix")
        XCTAssertNoThrow(try IndexBounds([0, 4]).require("gatherRows", rowsBelow: 5))
        assertInvalidArgument(try IndexBounds([0, 5]).require("gatherRows", rowsBelow: 5),
                              mentioning: "gatherRows: indices 0…5 outside the 5 rows")
        assertInvalidArgument(try IndexBounds([-1]).require("cpScore", rowsBelow: 3, of: "rows of factor 1"),
                              mentioning: "cpScore: indices -1 outside the 3 rows of factor 1")
    }

    /// The CPU operations take the same bounds on each call and name the first offending index.
    func testCPUGatherNamesTheOffendingIndex() throws {
        let operations = CPUOperations()
        var destination = Matrix(rows: 3, columns: 2)
        let source = try Matrix([[1, 2], [3, 4]])
        assertInvalidArgument(try operations.gatherRows(source, [1, 2, 0], into: &destination, atRow: 0),
                              mentioning: "gatherRows: row 2 outside 0..<2")
        try operations.gatherRows(source, [1, 1, 0], into: &destination, atRow: 0)
        XCTAssertEqual(destination.storage, [3, 4, 3, 4, 1, 2])
    }
}
