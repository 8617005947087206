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

    /// An engine built to evaluate holds no moments (placeholders until a parameter's first update):
    /// its checkpoint holds zero moments, and training after it, or after resuming from it, equals
    /// training that never evaluated first.
    func testEvaluatingBeforeTrainingChangesNothing() throws {
        let data = try smallDataset()
        let config = TrainingConfiguration.small(width: 8, epochs: 3, batchSize: 200)
        let straight = try Trainer(dataset: data, configuration: config)
        try straight.fit()

        let evaluatedFirst = try Trainer(dataset: data, configuration: config)
        let before = evaluatedFirst.evaluate()
        XCTAssertNotNil(before["r"]?["auc"])
        XCTAssertTrue(evaluatedFirst.optimizer.moments.isEmpty, "no parameter has been updated")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-ckpt-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try evaluatedFirst.saveCheckpoint(to: url)
        let resumed = try Trainer(dataset: data, configuration: config)
        try resumed.loadCheckpoint(from: url)
        try evaluatedFirst.fit()
        try resumed.fit()
        XCTAssertEqual(evaluatedFirst.history.map(\.loss), straight.history.map(\.loss))
        XCTAssertEqual(resumed.history.map(\.loss), straight.history.map(\.loss))
        XCTAssertEqual(evaluatedFirst.embeddings(), straight.embeddings())
        XCTAssertEqual(resumed.embeddings(), straight.embeddings())
        XCTAssertEqual(Set(evaluatedFirst.optimizer.moments.keys), Set(straight.model.parameters.map(\.name)))
    }

    /// Metrics from embeddings the caller passes are those ``Trainer/evaluate(on:)`` computes; embeddings
    /// of the wrong shape are refused.
    func testEvaluatingFromGivenEmbeddingsEqualsEvaluating() throws {
        var config = TrainingConfiguration.small(width: 8, epochs: 2, batchSize: 200)
        config.validationFraction = 0.2
        let trainer = try Trainer(dataset: try smallDataset(), configuration: config)
        try trainer.fit()
        let z = trainer.embeddings()
        XCTAssertEqual(try trainer.evaluate(on: .test, embeddings: z), trainer.evaluate(on: .test))
        XCTAssertEqual(try trainer.evaluate(on: .validation, embeddings: z), trainer.evaluate(on: .validation))
        XCTAssertThrowsError(try trainer.evaluate(on: .test, embeddings: Array(z.dropLast()))) { error in
            XCTAssertTrue("\(error)".contains("evaluate: embeddings of shapes"), "\(error)")
        }
    }

    /// The best epoch's parameters kept in a file: the same run, the same restored parameters, bit for
    /// bit, with no copy in memory; a checkpoint carries them, and a resumed trainer keeps them in memory
    /// or moves them to its own file.
    func testBestParametersInAFileEqualThoseInMemory() throws {
        let data = try smallDataset()
        var config = TrainingConfiguration.small(width: 8, epochs: 6, batchSize: 200)
        config.validationFraction = 0.2
        let inMemory = try Trainer(dataset: data, configuration: config)
        try inMemory.fit()
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("best.bin")
        let inFile = try Trainer(dataset: data, configuration: config)
        try inFile.keepBestParameters(in: file)
        for _ in 0..<3 { try inFile.trainEpoch() }
        XCTAssertNil(inFile.bestSnapshot)
        XCTAssertTrue(inFile.bestSnapshotInFile)
        let bytes = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int)
        XCTAssertEqual(bytes, inFile.model.parameters.reduce(0) { $0 + $1.count } * 4)
        let checkpoint = folder.url.appendingPathComponent("checkpoint.bin")
        try inFile.saveCheckpoint(to: checkpoint)
        try inFile.fit()
        XCTAssertGreaterThan(inMemory.bestEpoch, 0)
        XCTAssertEqual(inFile.bestEpoch, inMemory.bestEpoch)
        XCTAssertEqual(inFile.model.parameters.map(\.value), inMemory.model.parameters.map(\.value))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted(), ["best.bin", "checkpoint.bin"])

        // Resumed from the checkpoint of epoch 3: in memory, then moved to another file, as `train` does.
        let resumed = try Trainer(dataset: data, configuration: config)
        try resumed.loadCheckpoint(from: checkpoint)
        XCTAssertNotNil(resumed.bestSnapshot)
        let moved = folder.url.appendingPathComponent("moved.bin")
        try resumed.keepBestParameters(in: moved)
        XCTAssertNil(resumed.bestSnapshot)
        XCTAssertEqual(try Data(contentsOf: moved).count, bytes)
        try resumed.fit()
        XCTAssertEqual(resumed.model.parameters.map(\.value), inMemory.model.parameters.map(\.value))
    }

    /// A best-parameters file that went missing or short is an I/O error naming it, not a crash.
    func testMissingOrShortBestParametersFileIsAnIOError() throws {
        var config = TrainingConfiguration.small(width: 8, epochs: 2, batchSize: 200)
        config.validationFraction = 0.2
        let trainer = try Trainer(dataset: try smallDataset(), configuration: config)
        let folder = try TemporaryFolder()
        let file = folder.url.appendingPathComponent("best.bin")
        try trainer.keepBestParameters(in: file)
        try trainer.trainEpoch()
        XCTAssertTrue(trainer.bestSnapshotInFile)
        try Data(count: 12).write(to: file)
        XCTAssertThrowsError(try trainer.restoreBest()) { error in
            guard case let HyperLearnError.io(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file.path)
            XCTAssertTrue(reason.contains("end before"), reason)
        }
        try FileManager.default.removeItem(at: file)
        XCTAssertThrowsError(try trainer.saveCheckpoint(to: folder.url.appendingPathComponent("checkpoint.bin"))) { error in
            guard case let HyperLearnError.io(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, file.path)
            XCTAssertTrue(reason.contains("cannot open"), reason)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), [])
    }

    /// A best epoch whose parameters cannot be kept (the folder went away) fails the epoch and leaves
    /// the best score and epoch on what is still kept.
    func testAFailedBestParametersWriteLeavesTheBestScoreAsItWas() throws {
        var config = TrainingConfiguration.small(width: 8, epochs: 2, batchSize: 200)
        config.validationFraction = 0.2
        let trainer = try Trainer(dataset: try smallDataset(), configuration: config)
        let folder = try TemporaryFolder()
        try trainer.keepBestParameters(in: folder.url.appendingPathComponent("gone/best.bin"))
        XCTAssertThrowsError(try trainer.trainEpoch()) { error in
            guard case HyperLearnError.io = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(trainer.bestScore, .infinity)
        XCTAssertEqual(trainer.bestEpoch, 0)
        XCTAssertFalse(trainer.bestSnapshotInFile)
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

    // MARK: Hostile checkpoints: each is refused with an error naming the file and the field, and the
    // trainer is left as it was.

    /// A trained trainer and its checkpoint file (removed at the end of the test).
    func savedCheckpoint(epochs: Int = 2) throws -> (Trainer, URL) {
        let trainer = try Trainer(dataset: try smallDataset(), configuration: TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 200))
        for _ in 0..<epochs { try trainer.trainEpoch() }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-hostile-\(UUID().uuidString).bin")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        try trainer.saveCheckpoint(to: url)
        return (trainer, url)
    }

    /// Rewrites a version-2 checkpoint with an edited header and payload and a correct checksum, so
    /// that the validation behind the checksum is what refuses it.
    func forge(_ url: URL, header edit: (inout [String: Any]) -> Void = { _ in }, payload editPayload: (inout Data) -> Void = { _ in }) throws {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.subdata(in: 8..<16).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = try XCTUnwrap(JSONSerialization.jsonObject(with: data.subdata(in: 28..<(28 + headerLength))) as? [String: Any])
        var payload = data.subdata(in: (28 + headerLength)..<data.count)
        edit(&header)
        editPayload(&payload)
        let json = try JSONSerialization.data(withJSONObject: header)
        var out = Data("HLCKPT02".utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: CRC32.checksum(json + payload).littleEndian) { out.append(contentsOf: $0) }
        try (out + json + payload).write(to: url)
    }

    func assertRefused(_ url: URL, field: String, reason: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let fresh = try Trainer(dataset: try smallDataset(), configuration: TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 200))
        let before = fresh.model.parameters.map(\.value)
        assertInvalidInput(try fresh.loadCheckpoint(from: url), file: url.lastPathComponent, line: nil, field: field,
                           reasonContains: reason, sourceFile: file, sourceLine: line)
        XCTAssertEqual(fresh.model.parameters.map(\.value), before, "a refused checkpoint changes nothing", file: file, line: line)
        XCTAssertEqual(fresh.epoch, 0, file: file, line: line)
    }

    func testCRC32MatchesTheStandardCheckValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
    }

    func testHugeHeaderLengthIsRefusedNotTrapped() throws {
        let (_, url) = try savedCheckpoint()
        var data = try Data(contentsOf: url)
        data.replaceSubrange(8..<16, with: [UInt8](repeating: 0xFF, count: 8))
        try data.write(to: url)
        try assertRefused(url, field: "checkpoint.headerLength", reason: "truncated or damaged")
    }

    func testFlippedPayloadByteFailsTheChecksum() throws {
        let (_, url) = try savedCheckpoint()
        var data = try Data(contentsOf: url)
        data[data.count - 3] ^= 0x40
        try data.write(to: url)
        try assertRefused(url, field: "checkpoint.crc32", reason: "damaged")
    }

    func testTruncatedCheckpointNamesThePayloadLength() throws {
        let (_, url) = try savedCheckpoint()
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 100).write(to: url)
        try assertRefused(url, field: "checkpoint.payloadLength", reason: "truncated")
    }

    func testUnknownVersionIsRefused() throws {
        let (_, url) = try savedCheckpoint()
        var data = try Data(contentsOf: url)
        data.replaceSubrange(6..<8, with: Array("99".utf8))
        try data.write(to: url)
        try assertRefused(url, field: "checkpoint.version", reason: "'99'")
    }

    /// An empty shape for an item bias in a damaged header (found by FuzzCheckpoint) is described, not indexed.
    func testEmptyParameterShapeIsRefusedNotTrapped() throws {
        let (trainer, url) = try savedCheckpoint()
        let names = trainer.model.parameters.map(\.name)
        let bias = try XCTUnwrap(names.firstIndex { $0.hasSuffix(".item_bias") })
        try forge(url, header: { header in
            var shapes = header["parameterShapes"] as? [[Int]] ?? []
            shapes[bias] = []
            header["parameterShapes"] = shapes
        })
        try assertRefused(url, field: "checkpoint.parameterShapes", reason: "has 25 items, the checkpoint no")
    }

    func testBadGeneratorStateIsRefusedNotTrapped() throws {
        let (_, url) = try savedCheckpoint()
        try forge(url, header: { $0["generator"] = [1, 2, 3] })
        try assertRefused(url, field: "checkpoint.generator", reason: "4 words")
        try forge(url, header: { $0["generator"] = [0, 0, 0, 0] })
        try assertRefused(url, field: "checkpoint.generator", reason: "not all zero")
        try forge(url, header: { $0["generator"] = [1, 2, 3, 4]; $0["dropoutGenerators"] = [] })
        try assertRefused(url, field: "checkpoint.dropoutGenerators", reason: "0 state(s) for 3 encoder(s)")
    }

    func testImpossibleCountersAreRefused() throws {
        let (_, url) = try savedCheckpoint()
        // A forged huge step used to stall every later update in the bias correction.
        try forge(url, header: { $0["optimizerStep"] = 1_000_000_000_000_000 })
        try assertRefused(url, field: "checkpoint.optimizerStep", reason: "cannot follow 2 epoch(s)")
        try forge(url, header: { $0["optimizerStep"] = -1 })
        try assertRefused(url, field: "checkpoint.optimizerStep", reason: "-1")
        try forge(url, header: { $0["optimizerStep"] = 6; $0["epoch"] = -5 })
        try assertRefused(url, field: "checkpoint.epoch", reason: "must agree")
        try forge(url, header: { $0["epoch"] = 2; $0["bestEpoch"] = 7 })
        try assertRefused(url, field: "checkpoint.bestEpoch", reason: "outside 0...2")
        try forge(url, header: { $0["bestEpoch"] = 2; $0["learningRate"] = -1 })
        try assertRefused(url, field: "checkpoint.learningRate", reason: "positive")
    }

    func testNonFiniteParametersAreRefused() throws {
        let (trainer, url) = try savedCheckpoint()
        try forge(url, payload: { payload in
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { payload.replaceSubrange(4..<8, with: $0) }
        })
        try assertRefused(url, field: "checkpoint.\(trainer.model.parameters[0].name).value", reason: "element 1 is nan")
        try forge(url, payload: { payload in
            withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { payload.replaceSubrange(4..<8, with: $0) }
            let second = trainer.model.parameters[0].count * 8
            withUnsafeBytes(of: Float(-1).bitPattern.littleEndian) { payload.replaceSubrange(second..<(second + 4), with: $0) }
        })
        // The first problem in file order is reported.
        try assertRefused(url, field: "checkpoint.\(trainer.model.parameters[0].name).value", reason: "nan")
    }

    func testVersionOneCheckpointStillLoads() throws {
        let (trainer, url) = try savedCheckpoint()
        let data = try Data(contentsOf: url)
        let headerLength = data.subdata(in: 8..<16)
        try (Data("HLCKPT01".utf8) + headerLength + data.subdata(in: 28..<data.count)).write(to: url)
        let resumed = try Trainer(dataset: try smallDataset(), configuration: TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 200))
        try resumed.loadCheckpoint(from: url)
        XCTAssertEqual(resumed.epoch, 2)
        XCTAssertEqual(resumed.model.parameters.map(\.value), trainer.model.parameters.map(\.value))
    }

    /// Issue 13: the exchange volume survives a checkpoint, so a resumed sharded run reports the same
    /// bytes per step as an uninterrupted one.
    func testExchangeVolumeIsRestored() throws {
        var config = TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 200)
        config.shards = 3
        let trainer = try Trainer(dataset: try smallDataset(), configuration: config)
        for _ in 0..<2 { try trainer.trainEpoch() }
        XCTAssertGreaterThan(trainer.exchangeVolume.rowBytes, 0)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-volume-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        try trainer.saveCheckpoint(to: url)
        let resumed = try Trainer(dataset: try smallDataset(), configuration: config)
        try resumed.loadCheckpoint(from: url)
        XCTAssertEqual(resumed.exchangeVolume, trainer.exchangeVolume)
        XCTAssertEqual(resumed.exchangedBytes, trainer.exchangedBytes)
    }
}
