@testable import HyperLearn
import XCTest

/// Embedding items that were not in training, through the trained encoder.
final class ColdStartTests: XCTestCase {
    /// Users (a table) and items (features and a ring graph, no table) joined by a valued relation.
    func trainedOnFeatures(rootWeight: Bool) throws -> (trainer: Trainer, graph: SparseMatrix, features: Matrix) {
        var generator = SeededGenerator(seed: 31)
        let items = 40, users = 25
        let features = randomMatrix(items, 6, using: &generator)
        var entries = [(row: Int, column: Int, value: Float)]()
        for i in 0..<items {
            for step in 1...2 {
                entries.append((i, (i + step) % items, Float(step)))
                entries.append(((i + step) % items, i, Float(step)))
            }
        }
        let graph = SparseMatrix(rows: items, columns: items, uncheckedEntries: entries)
        var tuples = [[Int]](), values = [Float]()
        for _ in 0..<1_500 {
            let u = Int(generator.next() % UInt64(users)), i = Int(generator.next() % UInt64(items))
            tuples.append([u, i])
            values.append(features[i, 0] * (u % 2 == 0 ? 1 : -1) + 0.1 * generator.normal())
        }
        var data = Dataset(name: "cold")
        try data.addModality(Modality(name: "user", count: users))
        try data.addModality(Modality(name: "item", count: items, features: features, graph: .adjacency(graph)))
        try data.addRelation(Relation(name: "rating", members: [0, 1], task: .regression, train: HyperedgeSet(tuples, values: values)))
        var config = TrainingConfiguration.small(width: 8, epochs: 15, batchSize: 0)
        config.tableDimensions = 0
        config.rootWeight = rootWeight
        config.threads = 2
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        return (trainer, graph, features)
    }

    func testATrainingItemEmbeddedFromItsOwnFeaturesAndEdgesGetsItsTrainedEmbedding() throws {
        for rootWeight in [true, false] {
            let (trainer, graph, features) = try trainedOnFeatures(rootWeight: rootWeight)
            let probe = [0, 7, 39]
            let links = probe.map { i in
                (graph.rowOffsets[i]..<graph.rowOffsets[i + 1]).map { (item: Int(graph.columnIndices[$0]), weight: graph.values[$0]) }
            }
            let embedded = try trainer.embedNewItems(modality: 1, features: features.uncheckedGatherRows(probe.map(Int32.init)), links: links,
                                                     bias: .neighbors)
            let trained = trainer.embeddings()[1].uncheckedGatherRows(probe.map(Int32.init))
            XCTAssertGreaterThan(trained.storage.map(abs).max() ?? 0, 0.01, "a trained embedding to compare with")
            assertClose(embedded.embeddings, trained, rtol: 1e-4, atol: 1e-5)
            // The bias stand-in is the link-weighted mean of the neighbours' biases.
            let bias = trainer.model.encoders[1].itemBias.value
            let expected = links[0].reduce(Float(0)) { $0 + $1.weight * bias[$1.item, 0] } / links[0].reduce(Float(0)) { $0 + $1.weight }
            XCTAssertEqual(embedded.biases[0], expected, accuracy: 1e-6)
            XCTAssertNil(embedded.tableRows)
        }
    }

    func testANewItemWithoutLinksUsesItsFeaturesAloneAndBadInputIsRefused() throws {
        let (trainer, _, features) = try trainedOnFeatures(rootWeight: true)
        let alone = try trainer.embedNewItems(modality: 1, features: features.uncheckedGatherRows([3]), links: [[]], bias: .neighbors)
        XCTAssertEqual(alone.embeddings.rows, 1)
        XCTAssertTrue(alone.embeddings.isFinite)
        let meanBias = trainer.model.encoders[1].itemBias.value.storage.reduce(0, +) / 40
        XCTAssertEqual(alone.biases[0], meanBias, accuracy: 1e-6, "no links: the mean bias")
        XCTAssertEqual(try trainer.embedNewItems(modality: 1, features: features.uncheckedGatherRows([3]), links: [[(item: 2, weight: 1)]]).biases, [0],
                       "the default stand-in is zero")
        assertInvalidArgument(try trainer.embedNewItems(modality: 1, features: features.uncheckedGatherRows([3]), links: [[(item: 40, weight: 1)]]),
                              mentioning: "item 40", "0..<40")
        assertInvalidArgument(try trainer.embedNewItems(modality: 1, features: features.uncheckedGatherRows([3]), links: [[(item: 2, weight: -1)]]),
                              mentioning: "weight -1")
        assertInvalidArgument(try trainer.embedNewItems(modality: 1, features: Matrix(rows: 1, columns: 5), links: [[]]),
                              mentioning: "6 feature column")
        assertInvalidArgument(try trainer.embedNewItems(modality: 1, features: nil, links: [[]]), mentioning: "has features")
        assertInvalidArgument(try trainer.embedNewItems(modality: 0, features: Matrix(rows: 1, columns: 6), links: [[]]), mentioning: "no features")
        assertInvalidArgument(try trainer.embedNewItems(modality: 5, features: nil, links: []), mentioning: "modality 5")
    }
}
