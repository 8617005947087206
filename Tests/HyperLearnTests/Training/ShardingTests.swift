@testable import HyperLearn
import XCTest

/// Sharded training is the same mathematics as unsharded training (METHOD.md, "Distribution by
/// modality"): the same losses and embeddings for 1, 2 and 3 shards, and the logged exchange volume.
final class ShardingTests: XCTestCase {
    /// Three modalities of 120 items on ring graphs; a 3rd-order link relation and a 2nd-order
    /// valued one, so negatives, dropout streams, propagation and smoothness all take part.
    func fixture() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 120, order: 3)
        synthetic.seed = 5
        synthetic.graphNeighbors = 4
        let (factors, graphs) = try synthetic.structure()
        let links = try synthetic.hyperedges(count: 1_500, factors: factors, preferStructure: true, seed: 1)
        var pairs = SyntheticData(modalities: 2, items: 120, order: 2)
        pairs.seed = 6
        let pairFactors = try pairs.structure().factors
        let ratings = try pairs.hyperedges(count: 1_000, factors: pairFactors, preferStructure: false, noise: 0.1, seed: 2)
        var data = Dataset(name: "three-modalities")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 120, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "links", members: [0, 1, 2], task: .link, train: links, test: nil))
        try data.addRelation(Relation(name: "ratings", members: [2, 0], task: .regression, train: ratings, test: nil))
        return data
    }

    func configuration(shards: Int) -> TrainingConfiguration {
        var config = TrainingConfiguration()
        config.dimensions = 8
        config.hiddenDimensions = 8
        config.tableDimensions = 8
        config.dropout = 0.2
        config.smoothness = 0.1
        config.negatives = 2
        config.batchSize = 150
        config.seed = 42
        config.threads = 2
        config.shards = shards
        return config
    }

    /// 50 steps; returns each step's loss, the final embeddings and every parameter.
    func train(shards: Int, plan: ShardPlan? = nil) throws -> (losses: [Double], embeddings: [Matrix], parameters: [Matrix], trainer: Trainer) {
        let trainer = try Trainer(dataset: try fixture(), configuration: configuration(shards: shards))
        if let plan { try trainer.setShardPlan(plan) }
        var losses = [Double]()
        let steps = trainer.stepsPerEpoch
        for s in 0..<50 {
            let batches = trainer.trainingSets.map { set in
                Array((set.count * (s % steps) / steps)..<(set.count * (s % steps + 1) / steps))
            }
            losses.append(try trainer.step(batches: batches))
        }
        return (losses, trainer.embeddings(), trainer.model.parameters.map(\.value), trainer)
    }

    func testShardedTrainingMatchesSingleShard() throws {
        let single = try train(shards: 1)
        XCTAssertEqual(single.trainer.shardPlan.shardCount, 1)
        for (label, run) in [("2 shards", try train(shards: 2)), ("3 shards", try train(shards: 3)),
                             ("map 0,0,1", try train(shards: 2, plan: try ShardPlan(owners: [0, 0, 1])))] {
            var worstLoss = 0.0
            for (a, b) in zip(run.losses, single.losses) { worstLoss = max(worstLoss, abs(a - b) / max(abs(b), 1e-12)) }
            XCTAssertLessThanOrEqual(worstLoss, 1e-5, "\(label): loss")
            var worstEmbedding: Float = 0
            for (z, reference) in zip(run.embeddings, single.embeddings) {
                for (a, e) in zip(z.storage, reference.storage) { worstEmbedding = max(worstEmbedding, abs(a - e) / max(abs(e), 1e-6)) }
            }
            print("sharding parity, \(label): largest relative difference over 50 steps: loss \(worstLoss), embeddings \(worstEmbedding)")
            for (m, (z, reference)) in zip(run.embeddings, single.embeddings).enumerated() {
                assertClose(z, reference, rtol: 1e-5, atol: 1e-6, "\(label): embeddings of modality \(m)")
            }
            for (p, (value, reference)) in zip(run.parameters, single.parameters).enumerated() {
                assertClose(value, reference, rtol: 1e-5, atol: 1e-6, "\(label): parameter \(p)")
            }
            XCTAssertEqual(run.trainer.exchangeVolume, single.trainer.exchangeVolume, label)
        }
        XCTAssertLessThan(single.losses.last!, single.losses.first!, "training reduces the loss")
    }

    /// Bytes per step: `Σ_r p_r · |B_r| · d · 4` for the rows (|B| counting negatives), `Σ_r p_r · |B_r| · 4` for biases.
    func testExchangedBytesPerStep() throws {
        let trainer = try Trainer(dataset: try fixture(), configuration: configuration(shards: 3))
        let batches = trainer.trainingSets.map { Array(0..<min(100, $0.count)) }
        _ = try trainer.step(batches: batches)
        let d = 8, negatives = 2
        let linkHyperedges = 100 * (1 + negatives), ratingHyperedges = 100
        XCTAssertEqual(trainer.lastStepExchange.rowBytes, (3 * linkHyperedges + 2 * ratingHyperedges) * d * 4)
        XCTAssertEqual(trainer.lastStepExchange.biasBytes, (3 * linkHyperedges + 2 * ratingHyperedges) * 4)
        XCTAssertEqual(trainer.exchangedBytes, trainer.lastStepExchange.rowBytes)
        _ = try trainer.step(batches: batches)
        XCTAssertEqual(trainer.exchangeVolume.rowBytes, 2 * trainer.lastStepExchange.rowBytes)
    }

    /// A checkpoint written before `shards` existed (no such key in its configuration) still loads.
    func testCheckpointWithoutTheShardsKeyLoads() throws {
        let trainer = try Trainer(dataset: try fixture(), configuration: configuration(shards: 1))
        try trainer.trainEpoch()  // checkpoints are written at epoch ends
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sharding-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try trainer.saveCheckpoint(to: url)
        let data = try Data(contentsOf: url)
        // Version 2: magic, header length, payload length, CRC-32, header, payload. Rewritten as version 1
        // (magic, header length, header, payload), the format of checkpoints from before `shards`.
        let length = data.subdata(in: 8..<16).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        let headerStart = 28
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: headerStart..<(headerStart + length))) as? [String: Any])
        var saved = try XCTUnwrap(header["configuration"] as? [String: Any])
        XCTAssertNotNil(saved.removeValue(forKey: "shards"))
        header["configuration"] = saved
        let old = try JSONSerialization.data(withJSONObject: header)
        var rewritten = Data("HLCKPT01".utf8)
        withUnsafeBytes(of: UInt64(old.count).littleEndian) { rewritten.append(contentsOf: $0) }
        rewritten.append(old)
        rewritten.append(data.suffix(from: headerStart + length))
        try rewritten.write(to: url)
        let resumed = try Trainer(dataset: try fixture(), configuration: configuration(shards: 1))
        try resumed.loadCheckpoint(from: url)
        XCTAssertEqual(resumed.model.parameters.map(\.value), trainer.model.parameters.map(\.value))
    }

    func testShardPlan() throws {
        XCTAssertEqual(try ShardPlan(shards: 2, modalities: 5).owners, [0, 1, 0, 1, 0])
        XCTAssertEqual(try ShardPlan(shards: 8, modalities: 3).shardCount, 3)
        XCTAssertEqual(try ShardPlan(owners: [1, 0, 1]).modalities(of: 1), [0, 2])
        XCTAssertThrowsError(try ShardPlan(owners: [0, 2]))
        XCTAssertThrowsError(try ShardPlan(owners: []))
        var config = TrainingConfiguration()
        config.shards = 0
        XCTAssertThrowsError(try config.validate())
    }
}

extension ShardingTests {
    func testRoundRobinRefusesNoShardsAndNegativeModalities() throws {
        assertInvalidArgument(try ShardPlan(shards: 0, modalities: 3), mentioning: "ShardPlan(shards:modalities:)", "got 0 and 3")
        assertInvalidArgument(try ShardPlan(shards: 2, modalities: -1), mentioning: "ShardPlan(shards:modalities:)", "got 2 and -1")
        XCTAssertEqual(try ShardPlan(shards: 3, modalities: 0).owners, [])
    }
}
