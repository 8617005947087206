@testable import HyperLearn
import XCTest

/// `HyperedgeSet`: the flat layout, subsets, and inconsistent input rejected with a message that names
/// the problem.
final class HyperedgeSetTests: XCTestCase {
    func testTuplesAreStoredFlat() throws {
        let set = try HyperedgeSet([[0, 1, 2], [3, 1, 0]], values: [0.5, -1])
        XCTAssertEqual(set.order, 3)
        XCTAssertEqual(set.count, 2)
        XCTAssertEqual(set.members, [0, 1, 2, 3, 1, 0])
        XCTAssertEqual(Array(set[1]), [3, 1, 0])
        XCTAssertEqual(set, try HyperedgeSet(order: 3, members: [0, 1, 2, 3, 1, 0], values: [0.5, -1]))
        XCTAssertEqual(try HyperedgeSet([]).count, 0)
    }

    func testRaggedTuplesThrow() {
        assertInvalidArgument(try HyperedgeSet([[0, 1], [2, 3, 4]]), mentioning: "HyperedgeSet(_:values:)", "tuple 1", "3 members", "tuple 0 has 2")
        assertInvalidArgument(try HyperedgeSet([[0, 1], [2, 3], [4]]), mentioning: "tuple 2", "1 members")
        assertInvalidArgument(try HyperedgeSet([[0, Int(Int32.max) + 1]]), mentioning: "does not fit in Int32")
        assertInvalidArgument(try HyperedgeSet([[]]), mentioning: "order 0")
    }

    func testFlatMembersOfTheWrongShapeThrow() {
        assertInvalidArgument(try HyperedgeSet(order: 2, members: [0, 1, 2]),
                              mentioning: "HyperedgeSet(order:members:values:)", "3 members", "multiple of the order 2")
        assertInvalidArgument(try HyperedgeSet(order: 0, members: []), mentioning: "order 0")
        assertInvalidArgument(try HyperedgeSet(order: -1, members: []), mentioning: "order -1")
        assertInvalidArgument(try HyperedgeSet(order: 2, members: [0, 1, 2, 3], values: [1]),
                              mentioning: "1 values for 2 hyperedges")
        assertInvalidArgument(try HyperedgeSet([[0, 1]], values: [1, 2]), mentioning: "2 values for 1 hyperedges")
    }

    func testSubsetKeepsOrderAndValues() throws {
        let set = try HyperedgeSet([[0, 1], [2, 3], [4, 5]], values: [10, 20, 30])
        XCTAssertEqual(try set.subset([2, 0, 2]), try HyperedgeSet([[4, 5], [0, 1], [4, 5]], values: [30, 10, 30]))
        XCTAssertEqual(try set.subset([]).count, 0)
    }

    func testSubsetRejectsOutOfRangeIndices() throws {
        let set = try HyperedgeSet([[0, 1], [2, 3]])
        assertInvalidArgument(try set.subset([0, 2]), mentioning: "HyperedgeSet.subset", "index 2", "position 1", "0..<2")
        assertInvalidArgument(try set.subset([-1]), mentioning: "index -1", "0..<2")
    }

    func testCheckMembersNamesTheHyperedgeAndPosition() throws {
        let set = try HyperedgeSet([[0, 1], [2, 3], [1, -1]])
        XCTAssertNoThrow(try set.subset([0, 1]).checkMembers(within: [3, 4]))
        assertInvalidArgument(try set.subset([0, 1]).checkMembers(within: [3, 3]), mentioning: "hyperedge 1, position 1", "item 3", "0..<3")
        assertInvalidArgument(try set.checkMembers(within: [3, 4]), mentioning: "hyperedge 2, position 1", "item -1")
        assertInvalidArgument(try set.checkMembers(within: [3]), mentioning: "order 2 for 1 member modalities")
    }
}
