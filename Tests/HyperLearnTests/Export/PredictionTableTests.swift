@testable import HyperLearn
import XCTest

final class PredictionTableTests: XCTestCase {
    func testOneLinePerTestHyperedgeWithIDsTargetAndPrediction() throws {
        // A relation with a repeated modality (user follows user), valued.
        let ids = ["ann", "bob", "cy", "dee"]
        var data = Dataset(name: "follows")
        try data.addModality(Modality(name: "user", count: 4, ids: ids))
        let train = try HyperedgeSet([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2], [1, 3]], values: [1, 2, 3, 4, 5, 1])
        let test = try HyperedgeSet([[2, 0], [3, 1]], values: [2.5, 4])
        try data.addRelation(Relation(name: "trust", members: [0, 0], task: .regression, train: train, test: test))
        var config = TrainingConfiguration.small(width: 4, epochs: 3, batchSize: 0)
        config.validationFraction = 0
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let lines = try XCTUnwrap(try PredictionTable.text(trainer, relation: 0)).split(separator: "\n")
        XCTAssertEqual(lines.first, "user#0\tuser#1\ttarget\tprediction")
        XCTAssertEqual(lines.count, 3)
        let predicted = try trainer.predictions(relation: 0, hyperedges: test)
        for (e, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: "\t").map(String.init)
            XCTAssertEqual(fields[0], ids[Int(test.members[e * 2])])
            XCTAssertEqual(fields[1], ids[Int(test.members[e * 2 + 1])])
            XCTAssertEqual(Float(fields[2]), test.values?[e])
            XCTAssertEqual(Float(fields[3]), predicted[e])
            XCTAssertTrue((1...5).contains(predicted[e]), "clamped to the training range")
        }

        var noTest = Dataset(name: "no-test")
        try noTest.addModality(Modality(name: "user", count: 4, ids: ids))
        try noTest.addRelation(Relation(name: "trust", members: [0, 0], task: .regression, train: train))
        XCTAssertNil(try PredictionTable.text(try Trainer(dataset: noTest, configuration: config), relation: 0))
    }
}

extension PredictionTableTests {
    func testMemberColumnsNumberOnlyRepeatedModalities() {
        XCTAssertEqual(PredictionTable.memberColumns(["user", "movie", "tag"]), ["user", "movie", "tag"])
        XCTAssertEqual(PredictionTable.memberColumns(["user", "movie", "user"]), ["user#0", "movie", "user#2"])
    }
}

extension PredictionTableTests {
    /// A predictor that gives no prediction: the table must refuse it rather than index past its end.
    struct SilentPredictor: Predictor {
        let dataset: Dataset
        func predictedValues(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] { [] }
    }

    func testAMissingRelationOrMissingPredictionsAreRefused() throws {
        var data = Dataset(name: "follows")
        try data.addModality(Modality(name: "user", count: 3))
        try data.addRelation(Relation(name: "trust", members: [0, 0], task: .link, train: HyperedgeSet([[0, 1], [1, 2]]),
                                      test: HyperedgeSet([[2, 0], [0, 2]])))
        let predictor = SilentPredictor(dataset: data)
        assertInvalidArgument(try PredictionTable.text(predictor, relation: 1), mentioning: "PredictionTable.text", "relation 1")
        assertInvalidArgument(try PredictionTable.text(predictor, relation: -1), mentioning: "PredictionTable.text", "relation -1")
        assertInvalidArgument(try PredictionTable.text(predictor, relation: 0), mentioning: "PredictionTable.text", "0 predictions for 2 test hyperedges")
    }
}
