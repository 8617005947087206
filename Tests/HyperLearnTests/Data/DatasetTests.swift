@testable import HyperLearn
import XCTest

/// `Dataset`, `Modality` and `SyntheticData`: what joins a dataset is checked, and errors name the
/// relation, the hyperedge and the bad item.
final class DatasetTests: XCTestCase {
    /// Users (3) and movies (2), no relation yet.
    func toy() throws -> Dataset {
        var data = Dataset(name: "toy")
        try data.addModality(Modality(name: "user", count: 3))
        try data.addModality(Modality(name: "movie", count: 2))
        return data
    }

    func testRejectsRelationWithOneMember() throws {
        var data = Dataset(name: "toy")
        let user = try data.addModality(Modality(name: "user", count: 2))
        XCTAssertThrowsError(try data.addRelation(Relation(name: "r", members: [user], task: .link,
                                                           train: HyperedgeSet(order: 1, members: [0]))))
    }

    func testAcceptsAValidRelation() throws {
        var data = try toy()
        try data.addRelation(Relation(name: "rating", members: [0, 1], task: .regression,
                                      train: HyperedgeSet([[0, 1], [2, 0]], values: [4, 2]),
                                      test: HyperedgeSet([[1, 1]], values: [3])))
        XCTAssertEqual(data.relations.map(\.name), ["rating"])
        XCTAssertEqual(data.relationIndex(named: "rating"), 0)
        XCTAssertEqual(data.modalityIndex(named: "movie"), 1)
    }

    func testRejectsItemsOutsideTheirModality() throws {
        var data = try toy()
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .link,
                                                            train: HyperedgeSet([[0, 0], [1, 2]]))),
                              mentioning: "relation 'r' train hyperedge 1", "item 2 of 'movie'", "0..<2")
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .link,
                                                            train: HyperedgeSet([[0, 0]]), test: HyperedgeSet([[-1, 0]]))),
                              mentioning: "test hyperedge 0", "item -1 of 'user'")
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 5], task: .link, train: HyperedgeSet([[0, 0]]))),
                              mentioning: "modality index 5")
        XCTAssertTrue(data.relations.isEmpty)
    }

    func testRejectsValuesAndMembersChangedAfterConstruction() throws {
        var data = try toy()
        var set = try HyperedgeSet([[0, 0], [1, 1]], values: [1, 2])
        set.values = [1]
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .regression, train: set)),
                              mentioning: "relation 'r' train", "1 values for 2 hyperedges")
        set.values = [1, .nan]
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .regression, train: set)),
                              mentioning: "hyperedge 1", "not finite")
        set.values = nil
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .regression, train: set)),
                              mentioning: "needs values")
        set.members.append(0)
        assertInvalidArgument(try data.addRelation(Relation(name: "r", members: [0, 1], task: .link, train: set)),
                              mentioning: "5 members", "multiple of the order 2")
    }

    func testRejectsBadModalities() throws {
        var data = try toy()
        assertInvalidArgument(try data.addModality(Modality(name: "user", count: 1)), mentioning: "duplicate modality name 'user'")
        assertInvalidArgument(try data.addModality(Modality(name: "tag", count: 3, features: Matrix(rows: 2, columns: 4))),
                              mentioning: "modality 'tag'", "2 feature rows for 3 items")
        assertInvalidArgument(try Modality(name: "tag", count: -1), mentioning: "Modality(name:count:)", "negative count -1")
        assertInvalidArgument(try Modality(name: "tag", count: 3, ids: ["a", "b"]), mentioning: "'tag'", "2 ids for 3 items")
        XCTAssertEqual(try Modality(name: "tag", count: 2).ids, ["0", "1"])
    }

    func testUpdateModalityChecksTheResult() throws {
        var data = try toy()
        try data.addRelation(Relation(name: "r", members: [0, 1], task: .link, train: HyperedgeSet([[2, 1]])))
        try data.updateModality(at: 1) { $0.features = Matrix(rows: 2, columns: 3, repeating: 1) }
        XCTAssertEqual(data.modalities[1].features?.shape.columns, 3)
        assertInvalidArgument(try data.updateModality(at: 2) { _ in }, mentioning: "Dataset.updateModality", "index 2", "0..<2")
        assertInvalidArgument(try data.updateModality(at: 0) { $0.ids = ["a", "b"] },
                              mentioning: "relation 'r' train hyperedge 0", "item 2 of 'user'", "0..<2")
        assertInvalidArgument(try data.updateModality(at: 0) { $0.name = "movie" }, mentioning: "duplicate modality name 'movie'")
        assertInvalidArgument(try data.updateModality(at: 1) { $0.features = Matrix(rows: 5, columns: 1) },
                              mentioning: "5 feature rows for 2 items")
        XCTAssertEqual(data.modalities.map(\.count), [3, 2], "rejected updates leave the dataset unchanged")
        XCTAssertEqual(data.modalities[1].features?.shape.columns, 3)
    }

    func testSyntheticDataRejectsBadSizesAndFactors() throws {
        var synthetic = SyntheticData(modalities: 2, items: 5, order: 2)
        synthetic.rank = 2
        let (factors, graphs) = try synthetic.structure()
        XCTAssertEqual(factors.map(\.rows), [5, 5])
        XCTAssertEqual(factors.map(\.columns), [2, 2])
        XCTAssertEqual(graphs.map(\.rows), [5, 5])
        let set = try synthetic.hyperedges(count: 7, factors: factors, preferStructure: false)
        XCTAssertEqual(set.count, 7)
        XCTAssertNoThrow(try set.checkMembers(within: [5, 5]))
        assertInvalidArgument(try synthetic.hyperedges(count: 3, factors: [factors[0]], preferStructure: false),
                              mentioning: "SyntheticData.hyperedges", "factors [5×2]", "expected 2 matrices")
        assertInvalidArgument(try synthetic.hyperedges(count: -1, factors: factors, preferStructure: false), mentioning: "count -1")
        synthetic.items = 0
        assertInvalidArgument(try synthetic.structure(), mentioning: "SyntheticData.structure", "items 0")
        synthetic.items = 5
        synthetic.popularityExponent = -1
        assertInvalidArgument(try synthetic.structure(), mentioning: "popularityExponent -1")
    }
}
