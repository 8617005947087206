@testable import HyperLearn
import XCTest

final class CountDecoderTests: XCTestCase {
    /// Order 3 reads 3 members + 3 pairs + the whole hyperedge; order 2 has no separate pair; order 4 has 6 pairs.
    func testLayersReadOneFeaturePerCountedPart() throws {
        var generator = SeededGenerator(seed: 3)
        let decoder = try CountDecoder(order: 3, hiddenDimensions: 5, name: "r.counts", using: &generator)
        XCTAssertEqual(decoder.parameters.map { [$0.rows, $0.columns] }, [[7, 5], [1, 5], [5, 5], [1, 5], [5, 1], [1, 1]])
        XCTAssertEqual(decoder.parameters.map(\.name), ["r.counts.hidden1.weight", "r.counts.hidden1.bias", "r.counts.hidden2.weight",
                                                        "r.counts.hidden2.bias", "r.counts.output.weight", "r.counts.output.bias"])
        XCTAssertEqual(decoder.description, "CountDecoder(7 → 5 → 5 → 1)")
        XCTAssertEqual(try CountDecoder(order: 2, hiddenDimensions: 4, using: &generator).featureCount, 3)
        XCTAssertEqual(try CountDecoder(order: 4, hiddenDimensions: 4, using: &generator).featureCount, 11)
    }

    func testInvalidSizesAreRefused() {
        var generator = SeededGenerator(seed: 3)
        let function = "CountDecoder(order:hiddenDimensions:) 'c'"
        assertInvalidArgument(try CountDecoder(order: 1, hiddenDimensions: 4, name: "c", using: &generator), mentioning: function, "order 1")
        assertInvalidArgument(try CountDecoder(order: 3, hiddenDimensions: 0, name: "c", using: &generator),
                              mentioning: function, "hiddenDimensions 0")
    }

    /// A relation decoder with a count term refuses to score without the features, and draws the count
    /// term last: the other parts start as they do without it.
    func testRelationDecoderNeedsTheFeaturesAndKeepsTheOtherPartsInitialisation() throws {
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let plain = try RelationDecoder(kind: .cpTuple, order: 3, dimensions: 4, tupleHiddenDimensions: 3, name: "r", using: &g1)
        let counted = try RelationDecoder(kind: .cpTuple, order: 3, dimensions: 4, tupleHiddenDimensions: 3, countFeatures: true,
                                          countHiddenDimensions: 5, name: "r", using: &g2)
        XCTAssertEqual(counted.parameters.count, plain.parameters.count + 6)
        for (a, b) in zip(plain.parameters, counted.parameters) { XCTAssertEqual(a.value, b.value, a.name) }
        let ops = CPUOperations()
        var scores = Matrix(rows: 2, columns: 1)
        assertInvalidArgument(try DecoderPass<CPUOperations>.score(
            ops, counted, gathered: Matrix(rows: 6, columns: 4), biases: Matrix(rows: 6, columns: 1), counts: nil, order: 3,
            edges: 2, value: \.value, into: &scores), mentioning: "count features")
    }

    /// The count term adds `w₃ · ReLU(ReLU(c W₁ + b₁) W₂ + b₂) + b₃` to the score, computed here by hand.
    func testScoreAddsThePerceptronOfTheCounts() throws {
        var generator = SeededGenerator(seed: 4)
        let decoder = try RelationDecoder(kind: .cp, order: 2, dimensions: 2, tupleHiddenDimensions: 1, countFeatures: true,
                                          countHiddenDimensions: 3, name: "r", using: &generator)
        let layers = decoder.counts!.layers
        for layer in layers { layer.bias!.value = randomMatrix(1, layer.outputDimensions, using: &generator) }
        let counts = try Matrix([[0, 0.7, 1.1], [2, 0, 0.3]])
        let gathered = Matrix(rows: 4, columns: 2)  // zero embeddings: CP contributes μ = 0
        var scores = Matrix(rows: 2, columns: 1)
        try DecoderPass<CPUOperations>.score(CPUOperations(), decoder, gathered: gathered, biases: Matrix(rows: 4, columns: 1),
                                             counts: counts, order: 2, edges: 2, value: \.value, into: &scores)
        for e in 0..<2 {
            var x = counts.row(e).map { Float($0) }
            for (k, layer) in layers.enumerated() {
                x = (0..<layer.outputDimensions).map { o in
                    let y = layer.bias!.value[0, o] + x.indices.reduce(Float(0)) { $0 + x[$1] * layer.weight.value[$1, o] }
                    return k < layers.count - 1 ? max(y, 0) : y
                }
            }
            XCTAssertEqual(scores[e, 0], x[0], accuracy: 1e-5)
        }
    }
}
