@testable import HyperLearn
import XCTest

final class DatasetTests: XCTestCase {
    func testRejectsRelationWithOneMember() throws {
        var data = Dataset(name: "toy")
        let user = try data.addModality(Modality(name: "user", count: 2))
        XCTAssertThrowsError(try data.addRelation(Relation(name: "r", members: [user], task: .link,
                                                           train: HyperedgeSet(order: 1, members: [0]))))
    }
}
