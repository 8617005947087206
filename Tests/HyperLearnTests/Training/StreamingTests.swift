@testable import HyperLearn
import XCTest

/// Streaming the decoder over chunks of hyperedges and accumulating gradients is full-batch training:
/// the same seed gives the same embeddings whatever the chunk size (to float rounding).
final class StreamingTests: XCTestCase {
    /// A 3rd-order link relation over three modalities with ring graphs (the `generate` layout, small).
    func linkDataset() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 150, order: 3)
        synthetic.popularityExponent = 1
        synthetic.seed = 5
        let (factors, graphs) = try synthetic.structure()
        let all = try synthetic.hyperedges(count: 3_000, factors: factors, preferStructure: true)
        var data = Dataset(name: "streaming")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 150, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "link", members: [0, 1, 2], task: .link,
                                      train: all.subset(Array(0..<2_400)), test: all.subset(Array(2_400..<3_000))))
        return data
    }

    func trainedEmbeddings(chunkSize: Int, data: Dataset, epochs: Int = 3) throws -> (embeddings: [Matrix], losses: [Double]) {
        var config = TrainingConfiguration()
        config.dimensions = 16
        config.hiddenDimensions = 16
        config.tableDimensions = 16
        config.epochs = epochs
        config.batchSize = 0
        config.patience = 0
        config.threads = 2
        config.chunkSize = chunkSize
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        return (trainer.embeddings(), trainer.history.map(\.loss))
    }

    func testChunkedDecoderEqualsFullBatch() throws {
        let data = try linkDataset()
        // 64 does not divide the step's 2,280 positives + 11,400 negatives: chunks straddle the
        // positive/negative boundary and the last chunk is short.
        let streamed = try trainedEmbeddings(chunkSize: 64, data: data)
        let whole = try trainedEmbeddings(chunkSize: 1_000_000, data: data)
        XCTAssertEqual(streamed.embeddings.count, 3)
        for m in 0..<3 {
            assertClose(streamed.embeddings[m], whole.embeddings[m], rtol: 1e-5, atol: 1e-6, "modality \(m)")
        }
        for (a, b) in zip(streamed.losses, whole.losses) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b)) }
        // And training moved the embeddings (the comparison is not between two untouched tables).
        let untrained = try trainedEmbeddings(chunkSize: 64, data: data, epochs: 0).embeddings[0]
        var change = whole.embeddings[0]
        try change.add(untrained, scaledBy: -1)
        XCTAssertGreaterThan(change.squaredNorm, 1e-3 * untrained.squaredNorm)
    }
}
