@testable import HyperLearn
import XCTest

final class EarlyStoppingTests: XCTestCase {
    func twoRelations() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 30, order: 3)
        synthetic.graphNeighbors = 4
        let (factors, _) = try synthetic.structure()
        var data = Dataset(name: "two")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 30)) }
        let valued = try synthetic.hyperedges(count: 800, factors: factors, preferStructure: false, noise: 0.1, seed: 1)
        let pairs = try HyperedgeSet(order: 2, members: (0..<valued.count).flatMap { Array(valued[$0].prefix(2)) },
                                 values: valued.values)
        try data.addRelation(Relation(name: "rates", members: [0, 1], task: .regression, train: pairs))
        try data.addRelation(Relation(name: "tags", members: [0, 1, 2], task: .link,
                                      train: synthetic.hyperedges(count: 600, factors: factors, preferStructure: true, seed: 3)))
        return data
    }

    func testNamedRelationAloneDrivesTheScore() throws {
        var config = TrainingConfiguration()
        config.dimensions = 8
        config.hiddenDimensions = 8
        config.tableDimensions = 8
        config.earlyStoppingRelation = "rates"
        let trainer = try Trainer(dataset: try twoRelations(), configuration: config)
        let record = try trainer.trainEpoch()
        XCTAssertEqual(try XCTUnwrap(record.validationScore), try XCTUnwrap(record.validation["rates"]?["rmse"]))
        XCTAssertNotNil(record.validation["tags"]?["auc"], "the other relation is still reported")

        config.earlyStoppingRelation = ""
        let mean = try Trainer(dataset: try twoRelations(), configuration: config)
        let both = try mean.trainEpoch()
        let expected = (try XCTUnwrap(both.validation["rates"]?["rmse"]) + 1 - (try XCTUnwrap(both.validation["tags"]?["auc"]))) / 2
        XCTAssertEqual(try XCTUnwrap(both.validationScore), expected, accuracy: 1e-12)
    }

    func testUnknownRelationIsAnError() throws {
        var config = TrainingConfiguration()
        config.earlyStoppingRelation = "ratings"
        XCTAssertThrowsError(try Trainer(dataset: try twoRelations(), configuration: config)) { error in
            XCTAssertTrue("\(error)".contains("earlyStoppingRelation 'ratings'"), "\(error)")
        }
    }
}
