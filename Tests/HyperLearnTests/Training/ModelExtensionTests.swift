@testable import HyperLearn
import XCTest

/// Growing a trained model: a new modality and relation from a warm start (frozen or fine-tuned),
/// continuing and warm-starting a run, and every refusal saying what differs.
final class ModelExtensionTests: XCTestCase {
    static let items = 30

    /// Planted factors of four modalities (rank 4, smooth on ring graphs), shared by every relation.
    static let planted: (factors: [Matrix], graphs: [SparseMatrix]) = {
        var synthetic = SyntheticData(modalities: 4, items: items, order: 4)
        synthetic.seed = 21
        synthetic.graphNeighbors = 4
        return try! synthetic.structure()
    }()

    /// `count` random hyperedges over `members` valued `Σ_k Π_j U_j[i_j, k]`, scaled by `scale`.
    static func valued(_ members: [Int], count: Int, seed: UInt64, scale: Float) -> HyperedgeSet {
        var generator = SeededGenerator(seed: seed)
        var tuples = [[Int]](), values = [Float]()
        for _ in 0..<count {
            let tuple = members.map { _ in Int(generator.next() % UInt64(items)) }
            var value: Float = 0
            for k in 0..<4 { value += zip(members, tuple).reduce(Float(1)) { $0 * planted.factors[$1.0][$1.1, k] } }
            tuples.append(tuple)
            values.append(value * scale)
        }
        return try! HyperedgeSet(tuples, values: values)
    }

    /// m0, m1, m2 with the 3rd-order relation `r3`; `grown` adds m3 and the 4th-order `r4` over all four.
    static func dataset(grown: Bool, ids: ((Int) -> [String])? = nil) throws -> Dataset {
        var data = Dataset(name: "planted")
        for m in 0..<(grown ? 4 : 3) {
            try data.addModality(Modality(name: "m\(m)", count: items, ids: ids?(m) ?? (0..<items).map { "m\(m)-\($0)" },
                                          graph: .adjacency(planted.graphs[m])))
        }
        try data.addRelation(Relation(name: "r3", members: [0, 1, 2], task: .regression,
                                      train: valued([0, 1, 2], count: 6_000, seed: 1, scale: 1), test: valued([0, 1, 2], count: 800, seed: 2, scale: 1)))
        if grown {
            try data.addRelation(Relation(name: "r4", members: [0, 1, 2, 3], task: .regression,
                                          train: valued([0, 1, 2, 3], count: 8_000, seed: 3, scale: 2), test: valued([0, 1, 2, 3], count: 800, seed: 4, scale: 2)))
        }
        return data
    }

    static func configuration(epochs: Int) -> TrainingConfiguration {
        var config = TrainingConfiguration.small(width: 8, epochs: epochs, batchSize: 0)
        config.learningRate = 0.03
        config.dropout = 0
        config.weightDecay = 0
        config.threads = 2
        config.seed = 5
        return config
    }

    /// The base model: trained on m0–m2 and r3.
    static let base: TrainedModel = {
        let trainer = try! Trainer(dataset: dataset(grown: false), configuration: configuration(epochs: 150))
        try! trainer.fit()
        return try! TrainedModel(trainer)
    }()

    func testFrozenExtensionLearnsTheNewRelationAndLeavesTheOldPartsBitIdentical() throws {
        let base = Self.base
        let before = try base.evaluate()["r3"]
        let trainer = try Trainer(extending: base, dataset: Self.dataset(grown: true), configuration: Self.configuration(epochs: 200),
                                  freeze: true)
        try trainer.fit()
        let z = trainer.embeddings()
        for m in 0..<3 { XCTAssertEqual(z[m].storage, base.embeddings[m].storage, "modality m\(m) changed under --freeze") }
        for parameter in trainer.model.parameters {
            if let old = base.weights[parameter.name] { XCTAssertEqual(parameter.value.storage, old.storage, "\(parameter.name) changed") }
        }
        let after = trainer.evaluate()
        XCTAssertEqual(after["r3"], before, "the old relation's test metrics must not move")
        // The frozen shards ran no encoder pass; the new modality ran one per step.
        XCTAssertEqual(Set(trainer.phaseTimes.encoderPasses.keys), [3])
        XCTAssertEqual(trainer.phaseTimes.encoderPasses[3], trainer.epoch * trainer.stepsPerEpoch)
        // The planted 4th-order values are recovered through the held embeddings: far below their spread.
        let values = try XCTUnwrap(Self.dataset(grown: true).relations[1].test?.values)
        let spread = (values.map { Double($0 * $0) }.reduce(0, +) / Double(values.count)).squareRoot()
        let rmse = try XCTUnwrap(after["r4"]?["rmse"])
        XCTAssertLessThan(rmse, 0.35 * spread, "r4 RMSE \(rmse), values' RMS \(spread)")
    }

    /// The same through sampled steps, four thread-group shards, and devices of separate memory (one per shard).
    func testFrozenPartsStayBitIdenticalOnEveryEngine() throws {
        let base = Self.base
        for setting in ["sampled", "sharded", "devices"] {
            var config = Self.configuration(epochs: 3)
            config.batchSize = 2_000
            if setting == "sampled" { config.fanouts = [3, 3] }
            if setting != "sampled" { config.shards = 4 }
            let trainer = try Trainer(extending: base, dataset: Self.dataset(grown: true), configuration: config, freeze: true)
            if setting == "devices" { try trainer.attach((0..<4).map { HandleOperations(space: $0) }) }
            try trainer.fit()
            let z = trainer.embeddings()
            for m in 0..<3 { XCTAssertEqual(z[m].storage, base.embeddings[m].storage, "\(setting): modality m\(m) changed") }
            XCTAssertEqual(trainer.evaluate()["r3"], try base.evaluate()["r3"], setting)
            XCTAssertEqual(Set(trainer.phaseTimes.encoderPasses.keys), [3], setting)
            XCTAssertLessThan(try XCTUnwrap(trainer.history.last?.loss), try XCTUnwrap(trainer.history.first?.loss), "\(setting): the new part trains")
        }
    }

    func testWarmStartMatchesItemsByIDAndStartsNewItemsFresh() throws {
        let base = Self.base
        // m0's items come in reverse order, after two new items: old item i is row 31 − i.
        let original = try Self.dataset(grown: true)
        let grown = try Self.assemble(
            [try Modality(name: "m0", count: Self.items + 2, ids: ["new-a", "new-b"] + (0..<Self.items).reversed().map { "m0-\($0)" })]
                + original.modalities.dropFirst(),
            original.relations.map { Self.reindexed($0, modality: 0) { Self.items + 1 - $0 } })
        let trainer = try Trainer(extending: base, dataset: grown, configuration: Self.configuration(epochs: 1))
        let table = try XCTUnwrap(trainer.model.encoders[0].table?.value), bias = trainer.model.encoders[0].itemBias.value
        let oldTable = try XCTUnwrap(base.weights["m0.table"]), oldBias = try XCTUnwrap(base.weights["m0.item_bias"])
        for i in 0..<Self.items {
            let row = Self.items + 1 - i
            XCTAssertEqual(table.row(row), oldTable.row(i), "item m0-\(i)")
            XCTAssertEqual(bias[row, 0], oldBias[i, 0])
        }
        XCTAssertEqual(bias[0, 0], 0, "a new item's bias starts at 0")
        XCTAssertEqual(trainer.model.decoders[0].cp.weights.value.storage, base.weights["r3.cp.lambda"]?.storage)
        XCTAssertTrue(trainer.frozen.isEmpty)
        let match = try ModelExtension(from: base, to: grown, configuration: Self.configuration(epochs: 1))
        let summary = try match.summary(in: grown)
        XCTAssertTrue(summary.contains("2 new item(s) in 'm0'"), summary)
        assertInvalidArgument(try match.summary(in: Dataset(name: "other")), mentioning: "ModelExtension.summary(in:)", "'other' has no modality 0")
    }

    /// `relation` with modality `m`'s item indices mapped through `newIndex` (old index → new).
    static func reindexed(_ relation: Relation, modality m: Int, newIndex: (Int) -> Int) -> Relation {
        func remap(_ set: HyperedgeSet) -> HyperedgeSet {
            var copy = set
            for k in copy.members.indices where relation.members[k % set.order] == m { copy.members[k] = Int32(newIndex(Int(copy.members[k]))) }
            return copy
        }
        var result = relation
        result.train = remap(relation.train)
        result.test = relation.test.map(remap)
        return result
    }

    static func assemble(_ modalities: [Modality], _ relations: [Relation]) throws -> Dataset {
        var data = Dataset(name: "planted")
        for modality in modalities { try data.addModality(modality) }
        for relation in relations { try data.addRelation(relation) }
        return data
    }

    func testRefusalsSayWhatDiffers() throws {
        let base = Self.base
        let config = Self.configuration(epochs: 1)
        // An item ID of the model is gone.
        let renamed = try Self.dataset(grown: true) { m in (0..<Self.items).map { m == 1 && $0 == 7 ? "other" : "m\(m)-\($0)" } }
        assertInvalidArgument(try Trainer(extending: base, dataset: renamed, configuration: config), mentioning: "'m1'", "1 item ID", "'m1-7'", "matched by ID")
        // Another embedding dimension.
        var wider = config
        wider.dimensions = 16
        wider.hiddenDimensions = 16
        assertInvalidArgument(try Trainer(extending: base, dataset: Self.dataset(grown: true), configuration: wider),
                              mentioning: "'dimensions' is 16", "trained with 8")
        // An old modality is missing.
        var missing = Dataset(name: "planted")
        for m in [0, 1, 3] { try missing.addModality(Modality(name: "m\(m)", count: Self.items, ids: (0..<Self.items).map { "m\(m)-\($0)" })) }
        try missing.addRelation(Relation(name: "r3", members: [0, 1, 2], task: .regression, train: Self.valued([0, 1, 2], count: 100, seed: 1, scale: 1)))
        assertInvalidArgument(try Trainer(extending: base, dataset: missing, configuration: config), mentioning: "modality 'm2'", "missing")
        // The old relation is missing, or joins other modalities.
        var noRelation = Dataset(name: "planted")
        for m in 0..<3 { try noRelation.addModality(Modality(name: "m\(m)", count: Self.items, ids: (0..<Self.items).map { "m\(m)-\($0)" })) }
        var other = noRelation
        try noRelation.addRelation(Relation(name: "q", members: [0, 1], task: .link, train: HyperedgeSet([[0, 1]])))
        assertInvalidArgument(try Trainer(extending: base, dataset: noRelation, configuration: config), mentioning: "relation 'r3'", "missing")
        try other.addRelation(Relation(name: "r3", members: [0, 2, 1], task: .regression, train: Self.valued([0, 1, 2], count: 100, seed: 1, scale: 1)))
        assertInvalidArgument(try Trainer(extending: base, dataset: other, configuration: config), mentioning: "joins (m0, m2, m1)")
        // A frozen modality cannot take new items.
        let more = try Self.dataset(grown: true)
        var modalities = more.modalities
        modalities[2] = try Modality(name: "m2", count: Self.items + 1, ids: more.modalities[2].ids + ["extra"])
        let withNewItem = try Self.assemble(modalities, more.relations)
        assertInvalidArgument(try Trainer(extending: base, dataset: withNewItem, configuration: config, freeze: true),
                              mentioning: "'m2' has 1 new item", "embed")
        // initialize(from:) wants the same structure and points to extend.
        let trainer = try Trainer(dataset: Self.dataset(grown: true), configuration: config)
        assertInvalidArgument(try trainer.initialize(from: base), mentioning: "new modalities: m3", "new relations: r4", "hyperlearn extend")
    }

    func testCheckpointOfAnotherModelSaysWhatDiffers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("extension-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let checkpoint = folder.appendingPathComponent("checkpoint.bin")
        let small = try Trainer(dataset: Self.dataset(grown: false), configuration: Self.configuration(epochs: 1))
        try small.trainEpoch()
        try small.saveCheckpoint(to: checkpoint)
        let grown = try Trainer(dataset: Self.dataset(grown: true), configuration: Self.configuration(epochs: 1))
        XCTAssertThrowsError(try grown.loadCheckpoint(from: checkpoint)) { error in
            let text = "\(error)"
            for fragment in ["'m3' added", "'r4' added", "hyperlearn extend"] { XCTAssertTrue(text.contains(fragment), text) }
        }
        // Another dimension, and a modality with another item count.
        var wider = Self.configuration(epochs: 1)
        wider.dimensions = 16
        let other = try Trainer(dataset: Self.dataset(grown: false), configuration: wider)
        XCTAssertThrowsError(try other.loadCheckpoint(from: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("dimension 8 → 16"), "\(error)")
        }
        let original = try Self.dataset(grown: false)
        var modalities = original.modalities
        modalities[1] = try Modality(name: "m1", count: Self.items + 1, ids: original.modalities[1].ids + ["extra"])
        let counted = try Trainer(dataset: Self.assemble(modalities, original.relations), configuration: Self.configuration(epochs: 1))
        XCTAssertThrowsError(try counted.loadCheckpoint(from: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("'m1' has 31 items, the checkpoint 30"), "\(error)")
        }
        // A frozen extension's checkpoint does not resume as an ordinary run.
        let frozen = try Trainer(extending: Self.base, dataset: Self.dataset(grown: true), configuration: Self.configuration(epochs: 1), freeze: true)
        try frozen.trainEpoch()
        try frozen.saveCheckpoint(to: checkpoint)
        XCTAssertThrowsError(try grown.loadCheckpoint(from: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("frozen"), "\(error)")
        }
    }

    func testInitializeFromTheSameStructureStartsFromItsWeights() throws {
        let trainer = try Trainer(dataset: Self.dataset(grown: false), configuration: Self.configuration(epochs: 1))
        try trainer.initialize(from: Self.base)
        for parameter in trainer.model.parameters { XCTAssertEqual(parameter.value.storage, Self.base.weights[parameter.name]?.storage) }
        XCTAssertEqual(trainer.evaluate()["r3"], try Self.base.evaluate()["r3"])
    }
}
