@testable import HyperLearn
import XCTest

/// The attention decoder (``AttentionDecoder``, the Hyper-SAGNN family): finite-difference checks of
/// its operations and of the whole loss through it, its attention arithmetic against a direct
/// computation, and parity between the value-typed CPU operations and handle-typed ones.
final class AttentionDecoderTests: XCTestCase {
    let ops = CPUOperations()

    func testTanhAndProductGradients() {
        var g = SeededGenerator(seed: 21)
        let x = Parameter(name: "x", value: randomMatrix(4, 5, using: &g)), y = Parameter(name: "y", value: randomMatrix(4, 5, using: &g))
        let r = randomMatrix(4, 5, using: &g)
        checkGradient(x, loss: { self.ops.tanh(x.value).uncheckedDot(r) }) {
            x.gradient = try! self.ops.tanhBackward(output: self.ops.tanh(x.value), upstream: r)
        }
        for (parameter, other) in [(x, y), (y, x)] {
            checkGradient(parameter, loss: { try! self.ops.multiply(x.value, y.value).uncheckedDot(r) }) {
                parameter.gradient = try! self.ops.multiply(other.value, r)
            }
        }
        XCTAssertEqual(ops.tanh(try! Matrix([[0, 1, -2]])).storage, [0, Float(tanh(1.0)), Float(tanh(-2.0))])
    }

    /// Queries, keys and values of orders 2, 3 and 4, one and two heads.
    func testMemberAttentionGradients() {
        for (order, heads) in [(2, 1), (3, 1), (3, 2), (4, 2)] {
            var g = SeededGenerator(seed: 30 + UInt64(order * 10 + heads))
            let edges = 5, width = 4
            let q = Parameter(name: "q", value: randomMatrix(order * edges, width, using: &g))
            let k = Parameter(name: "k", value: randomMatrix(order * edges, width, using: &g))
            let v = Parameter(name: "v", value: randomMatrix(order * edges, width, using: &g))
            let r = randomMatrix(order * edges, width, using: &g)
            let loss = { () -> Double in
                try! self.ops.memberAttention(queries: q.value, keys: k.value, values: v.value, order: order, heads: heads).output.uncheckedDot(r)
            }
            for parameter in [q, k, v] {
                checkGradient(parameter, epsilon: 1e-3, tolerance: 2e-2, loss: loss) {
                    let forward = try! self.ops.memberAttention(queries: q.value, keys: k.value, values: v.value, order: order, heads: heads)
                    let (dq, dk, dv) = try! self.ops.memberAttentionBackward(queries: q.value, keys: k.value, values: v.value,
                                                                             weights: forward.weights, upstream: r, order: order, heads: heads)
                    parameter.gradient = parameter === q ? dq : parameter === k ? dk : dv
                }
            }
        }
    }

    /// Member 1 of a triple attends to members 0 and 2 only, by the softmax of its scaled dot products.
    func testAttentionWeightsLeaveEachMemberOutOfItsOwnAverage() throws {
        // One hyperedge of order 3, width 2, one head: rows are members.
        let q = try Matrix([[1, 0], [0.5, 1], [0, 0]]), k = try Matrix([[2, 0], [0, 0], [0, 1]])
        let v = try Matrix([[1, 2], [10, 20], [3, 4]])
        let (output, weights) = try ops.memberAttention(queries: q, keys: k, values: v, order: 3, heads: 1)
        let z0 = Float(0.5 * 2) / Float(2).squareRoot(), z2 = Float(1 * 1) / Float(2).squareRoot()
        let w0 = exp(z0) / (exp(z0) + exp(z2)), w2 = 1 - w0
        XCTAssertEqual(weights[1, 0], w0, accuracy: 1e-6)
        XCTAssertEqual(weights[1, 1], 0)
        XCTAssertEqual(weights[1, 2], w2, accuracy: 1e-6)
        XCTAssertEqual(output[1, 0], w0 * 1 + w2 * 3, accuracy: 1e-5)
        XCTAssertEqual(output[1, 1], w0 * 2 + w2 * 4, accuracy: 1e-5)
        // Member 2's query is zero: it averages members 0 and 1 equally, whatever their keys.
        XCTAssertEqual(output[2, 0], 5.5, accuracy: 1e-5)
        XCTAssertThrowsError(try ops.memberAttention(queries: q, keys: k, values: v, order: 2, heads: 1), "3 rows are not 2 blocks")
        XCTAssertThrowsError(try ops.memberAttention(queries: q, keys: k, values: v, order: 3, heads: 3), "3 heads do not divide 2 columns")
    }

    func configuration(_ kind: DecoderKind) -> TrainingConfiguration {
        var config = TrainingConfiguration()
        config.dimensions = 4
        config.hiddenDimensions = 4
        config.tableDimensions = 3
        config.dropout = 0
        config.decoder = kind
        config.attentionDimensions = 4
        config.attentionHeads = 2
        config.validationFraction = 0
        config.negatives = 2
        return config
    }

    func testWholeLossGradientsThroughTheAttentionDecoder() throws {
        for kind in [DecoderKind.attention, .cpAttention] {
            let trainer = try Trainer(dataset: gradientCheckDataset(), configuration: configuration(kind))
            let names = Set(trainer.model.parameters.map(\.name))
            XCTAssertTrue(names.contains("tags.attention.query.weight") && names.contains("tags.attention.output.bias"))
            XCTAssertEqual(names.contains("tags.cp.lambda"), kind == .cpAttention)
            let batches = trainer.trainingSets.map { Array(0..<$0.count) }
            let saved = trainer.generator
            let loss = { () -> Double in
                trainer.generator = saved
                return try! trainer.computeGradients(batches: batches)
            }
            for parameter in trainer.model.parameters where parameter.name.contains("attention") || parameter.name.hasSuffix("embedding") {
                checkGradient(parameter, epsilon: 1e-3, tolerance: 5e-2, limit: 8, loss: loss) { _ = loss() }
            }
        }
    }

    /// Ten steps with GPU memory semantics (handles written in place), one device and three, equal the
    /// CPU's with the attention decoder on both relations.
    func testHandleOperationsTrainAsTheCPUDoes() throws {
        var config = DeviceTrainingParity.configuration()
        config.decoder = .cpAttention
        config.attentionDimensions = 6
        config.attentionHeads = 3
        for devices in [[HandleOperations()], (0..<3).map { HandleOperations(space: $0) }] {
            let report = try DeviceTrainingParity.compare(on: devices, configuration: config)
            XCTAssertEqual(report.steps, 10)
            XCTAssertLessThanOrEqual(report.lossError, 1e-5, "\(report)")
            XCTAssertLessThanOrEqual(report.parameterError, 1e-5, "\(report)")
            XCTAssertGreaterThan(report.largestUpdate, 1e-3)
            XCTAssertLessThan(report.losses[1].cpu, report.losses[0].cpu, "the loss falls")
        }
    }

    func testTheConfigurationChecksTheHeads() {
        var config = TrainingConfiguration()
        config.attentionDimensions = 10
        config.attentionHeads = 4
        XCTAssertThrowsError(try config.validate()) { XCTAssertTrue("\($0)".contains("divide attentionDimensions"), "\($0)") }
        config.attentionHeads = 5
        XCTAssertNoThrow(try config.validate())
    }
}

/// A planted 3rd-order link relation, "the three members share a hidden class", recovered by the
/// attention decoder alone: held-out positives rank far above corrupted ones.
final class AttentionPlantedTests: XCTestCase {
    func testAttentionAloneRecoversSharedClassTriples() throws {
        let items = 24, classes = 3
        var generator = SeededGenerator(seed: 5)
        let classOf = (0..<3).map { _ in (0..<items).map { _ in Int(generator.next() % UInt64(classes)) } }
        var positives = [[Int]]()
        for a in 0..<items { for b in 0..<items { for c in 0..<items where classOf[0][a] == classOf[1][b] && classOf[1][b] == classOf[2][c] {
            positives.append([a, b, c])
        } } }
        positives.shuffle(using: &generator)
        let test = Array(positives.prefix(positives.count / 4)), train = Array(positives.dropFirst(positives.count / 4))
        var data = Dataset(name: "shared-class")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: items)) }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet(train), test: HyperedgeSet(test)))
        var config = TrainingConfiguration.small(width: 8, epochs: 60, batchSize: 256)
        config.decoder = .attention
        config.attentionDimensions = 8
        config.attentionHeads = 2
        config.learningRate = 0.005
        config.dropout = 0
        config.patience = 0
        config.threads = 2
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let auc = try XCTUnwrap(trainer.evaluate()["r"]?["auc"])
        // Measured: 1.0 after 100 epochs at this learning rate; at 0.02 it stalls near 0.79 (tanh saturates).
        XCTAssertGreaterThan(auc, 0.95, "held-out AUC against corrupt-one negatives")
    }
}

extension AttentionDecoderTests {
    func testTheDecoderRefusesSizesItCannotSplitIntoHeads() throws {
        var generator = SeededGenerator(seed: 1)
        let decoder = try AttentionDecoder(dimensions: 3, width: 8, heads: 2, using: &generator)
        XCTAssertEqual(decoder.width, 8)
        XCTAssertEqual(decoder.query.weight.value.shape.rows, 3)
        let function = "AttentionDecoder(dimensions:width:heads:) 'a'"
        assertInvalidArgument(try AttentionDecoder(dimensions: 3, width: 8, heads: 0, name: "a", using: &generator), mentioning: function, "heads 0")
        assertInvalidArgument(try AttentionDecoder(dimensions: 3, width: 8, heads: 3, name: "a", using: &generator), mentioning: function, "heads 3")
        assertInvalidArgument(try AttentionDecoder(dimensions: -3, width: 8, heads: 2, name: "a", using: &generator), mentioning: function, "dimensions -3")
        assertInvalidArgument(try AttentionDecoder(dimensions: 3, width: -8, heads: 2, name: "a", using: &generator), mentioning: function, "width -8")
    }
}
