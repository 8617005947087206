@testable import HyperLearn
import XCTest

/// Finite-difference checks of every differentiable operation's backward pass. Each op's output is
/// reduced to a scalar with a fixed random projection `R` (`loss = Σ y ⊙ R`, so `∂loss/∂y = R`).
final class GradientCheckTests: XCTestCase {
    /// A 5-node path graph with one chord.
    func smallGraph() throws -> NormalizedAdjacency {
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 3)]
        let entries = edges.flatMap { [($0.0, $0.1, Float(1)), ($0.1, $0.0, Float(1))] }.map { (row: $0.0, column: $0.1, value: $0.2) }
        return try NormalizedAdjacency(adjacency: SparseMatrix(rows: 5, columns: 5, entries: entries))
    }

    func smallHypergraph() throws -> HypergraphPropagation {
        // Hyperedges {0,1,2}, {2,3}, {1,3,4}.
        let groups: [[Int]] = [[0, 1, 2], [2, 3], [1, 3, 4]]
        let entries = groups.enumerated().flatMap { g, members in members.map { (row: $0, column: g, value: Float(1)) } }
        return try HypergraphPropagation(incidence: SparseMatrix(rows: 5, columns: 3, entries: entries))
    }

    let ops = CPUOperations()

    /// `P` is symmetric for every propagation, which the encoders' backward pass (`∂T = P ∂Y`) relies on:
    /// `⟨P x, y⟩ = ⟨x, P y⟩`.
    func testPropagationsAreSymmetric() throws {
        var g = SeededGenerator(seed: 2)
        for propagation in [try smallGraph() as any Propagation, try smallHypergraph(), try MixedPropagation([smallGraph(), smallHypergraph()])] {
            let x = randomMatrix(5, 3, using: &g), y = randomMatrix(5, 3, using: &g)
            XCTAssertEqual(try propagation.apply(x).uncheckedDot(y), x.uncheckedDot(try propagation.apply(y)), accuracy: 1e-5)
        }
    }

    /// A dense layer as the engine computes it: `y = x W + b` through gemm and addBias, backward through gemm.
    func testDenseLayerOperations() {
        var g = SeededGenerator(seed: 1)
        let w = Parameter(name: "w", value: randomMatrix(4, 3, using: &g)), b = Parameter(name: "b", value: randomMatrix(1, 3, using: &g))
        let x = Parameter(name: "x", value: randomMatrix(6, 4, using: &g))
        let r = randomMatrix(6, 3, using: &g)
        let loss = { () -> Double in
            var y = try! self.ops.zeros(rows: 6, columns: 3)
            try! self.ops.gemm(x.value, w.value, transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &y)
            try! self.ops.addBias(b.value, to: &y)
            return y.uncheckedDot(r)
        }
        for parameter in [w, b, x] {
            checkGradient(parameter, loss: loss) {
                try! self.ops.gemm(x.value, r, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &w.gradient)
                try! self.ops.accumulateColumnSums(r, into: &b.gradient)
                try! self.ops.gemm(r, w.value, transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &x.gradient)
            }
        }
    }

    func testReLUDropout() {
        var g = SeededGenerator(seed: 3)
        // Keep inputs away from the kink at 0, where finite differences are meaningless.
        var value = randomMatrix(4, 5, using: &g)
        for i in 0..<value.storage.count where abs(value.storage[i]) < 0.1 { value.storage[i] += 0.3 }
        let x = Parameter(name: "x", value: value)
        let mask = DropoutMask(key: 99, rate: 0.3)
        let r = randomMatrix(4, 5, using: &g)
        func forward() -> Matrix {
            var y = x.value
            self.ops.reluDropout(&y, mask: mask)
            return y
        }
        checkGradient(x, loss: { forward().uncheckedDot(r) }) {
            var gradient = r
            try! self.ops.reluDropoutBackward(output: forward(), gradient: &gradient, mask: mask)
            x.gradient = gradient
        }
    }

    /// Checks a decoder operation's weight and member gradients on `order` random member blocks of
    /// `count` rows; `loss = Σ_e r_e s_e`, so the upstream gradient is `r`.
    func checkDecoder(order: Int, count: Int, rank: Int, weights: Parameter, using g: inout SeededGenerator,
                      score: @escaping (Matrix, Matrix, inout Matrix) -> Void,
                      gradient: @escaping (Matrix, Matrix, Matrix, inout Matrix, inout Matrix) -> Void) {
        let blocks = Parameter(name: "members", value: randomMatrix(order * count, rank, using: &g))
        let r = randomMatrix(count, 1, using: &g)
        let loss = { () -> Double in
            var s = Matrix(rows: count, columns: 1)
            score(blocks.value, weights.value, &s)
            return s.uncheckedDot(r)
        }
        for parameter in [weights, blocks] {
            checkGradient(parameter, loss: loss) {
                var rows = Matrix(rows: order * count, columns: rank)
                gradient(blocks.value, weights.value, r, &rows, &weights.gradient)
                blocks.gradient = rows
            }
        }
    }

    func testCPScoreOrderThree() {
        var g = SeededGenerator(seed: 4)
        let lambda = Parameter(name: "lambda", value: randomMatrix(1, 3, using: &g))
        let mu = try! Matrix([[0.25]])
        checkDecoder(order: 3, count: 7, rank: 3, weights: lambda, using: &g,
                     score: { try! self.ops.addCPScores($0, order: 3, lambda: $1, mu: mu, to: &$2) },
                     gradient: { try! self.ops.cpGradient($0, order: 3, lambda: $1, upstream: $2, into: &$3, lambdaGradient: &$4) })
    }

    func testPairwiseScoreOrdersThreeAndFour() {
        for order in [3, 4] {
            var g = SeededGenerator(seed: 40 + UInt64(order))
            let nu = Parameter(name: "nu", value: randomMatrix(1, 3, using: &g))
            checkDecoder(order: order, count: 7, rank: 3, weights: nu, using: &g,
                         score: { try! self.ops.addPairwiseScores($0, order: order, nu: $1, to: &$2) },
                         gradient: { try! self.ops.pairwiseGradient($0, order: order, nu: $1, upstream: $2, addingTo: &$3, nuGradient: &$4) })
        }
    }

    /// The pairwise score against its definition, `Σ_k ν_k Σ_{j<l} G_j[k] G_l[k]`, written out.
    func testPairwiseScoreMatchesDefinition() {
        // One hyperedge with members (1, 2), (3, 4), (5, 6).
        let blocks = try! Matrix([[1, 2], [3, 4], [5, 6]])
        var s = try! Matrix([[0.5]])
        try! ops.addPairwiseScores(blocks, order: 3, nu: try! Matrix([[2, -1]]), to: &s)
        // k = 0: 1·3 + 1·5 + 3·5 = 23; k = 1: 2·4 + 2·6 + 4·6 = 44; 2·23 − 44 = 2.
        XCTAssertEqual(s.storage[0], 0.5 + 2, accuracy: 1e-5)
    }

    /// Concatenating member blocks and adding split columns back are adjoint: `⟨cat(G), X⟩ = ⟨G, split(X)⟩`.
    func testMemberConcatenationAndSplitAreAdjoint() {
        var g = SeededGenerator(seed: 5)
        let blocks = randomMatrix(3 * 4, 2, using: &g), x = randomMatrix(4, 6, using: &g)
        var split = Matrix(rows: 12, columns: 2)
        try! ops.addSplitMembers(x, order: 3, to: &split)
        XCTAssertEqual(try! ops.concatenateMembers(blocks, order: 3).uncheckedDot(x), blocks.uncheckedDot(split), accuracy: 1e-5)
        // Member j of hyperedge e lands in columns j·d ..< (j+1)·d of row e.
        XCTAssertEqual(try! ops.concatenateMembers(blocks, order: 3).row(1), [blocks[1, 0], blocks[1, 1], blocks[5, 0], blocks[5, 1],
                                                                            blocks[9, 0], blocks[9, 1]])
    }

    func testLosses() throws {
        var g = SeededGenerator(seed: 6)
        let s = Parameter(name: "scores", value: randomMatrix(8, 1, using: &g))
        let y = randomMatrix(8, 1, using: &g)
        func lossValue(_ body: (inout Matrix, inout Matrix) -> Void) -> Double {
            var gradient = Matrix(rows: 8, columns: 1), loss = Matrix(rows: 1, columns: 1)
            body(&gradient, &loss)
            return Double(loss.storage[0])
        }
        checkGradient(s, loss: { lossValue { try! self.ops.squaredErrorLoss(scores: s.value, targets: y, normalizer: 8, lossScale: 0.5, gradient: &$0, loss: &$1) } }) {
            var unused = Matrix(rows: 1, columns: 1)
            try! self.ops.squaredErrorLoss(scores: s.value, targets: y, normalizer: 8, lossScale: 0.5, gradient: &s.gradient, loss: &unused)
            s.gradient.scale(by: 0.5 * 8)  // the gradient is scaled by 1/normalizer, the loss by lossScale
        }
        for positives in [0, 3, 8] {
            checkGradient(s, loss: { lossValue { try! self.ops.logisticLoss(scores: s.value, positives: positives, normalizer: 4, lossScale: 0.25, gradient: &$0, loss: &$1) } }) {
                var unused = Matrix(rows: 1, columns: 1)
                try! self.ops.logisticLoss(scores: s.value, positives: positives, normalizer: 4, lossScale: 0.25, gradient: &s.gradient, loss: &unused)
                s.gradient.scale(by: 0.25 * 4)
            }
        }
    }

    /// The whole model: encoders with table, dense and sparse features over a graph and a hypergraph,
    /// CP + tuple + pairwise decoders, a valued 2nd-order and an unvalued 3rd-order relation, smoothness.
    func testFullLoss() throws {
        let data = try gradientCheckDataset()
        var config = TrainingConfiguration()
        config.dimensions = 3
        config.hiddenDimensions = 4
        config.tableDimensions = 3
        config.dropout = 0
        config.smoothness = 0.3
        config.decoder = .cpTuple
        config.tupleHiddenDimensions = 4
        config.pairwiseInteractions = true
        config.incidenceFeatures = true
        config.rootWeight = true
        config.embeddingRegularization = 0.1
        config.validationFraction = 0
        config.negatives = 2
        let trainer = try Trainer(dataset: data, configuration: config)
        checkWholeLossGradients(trainer, of: trainer.model.parameters)
    }

    /// Finite differences of one full-batch step's loss (the same negatives every time) against the
    /// engine's gradients of `parameters`.
    func checkWholeLossGradients(_ trainer: Trainer, of parameters: [Parameter], file: StaticString = #filePath, line: UInt = #line) {
        let batches = trainer.trainingSets.map { Array(0..<$0.count) }
        let saved = trainer.generator
        let loss = { () -> Double in
            trainer.generator = saved
            return try! trainer.computeGradients(batches: batches)
        }
        for parameter in parameters {
            checkGradient(parameter, epsilon: 1e-3, tolerance: 5e-2, limit: 10, loss: loss, computeAnalytic: { _ = loss() },
                          file: file, line: line)
        }
    }

    /// Every parameter through the whole loss with the count term on the 3rd-order relation: its inputs
    /// are the step's leave-one-out count features, fixed by the positives and negatives, and the
    /// standalone embedding loss adds the logistic loss of the score without the count term (weights 1,
    /// 0.5 and 0).
    func testFullLossWithCountFeatures() throws {
        for standalone: Float in [1, 0.5, 0] { try checkFullLossWithCountFeatures(standalone: standalone) }
    }

    func checkFullLossWithCountFeatures(standalone: Float) throws {
        var config = TrainingConfiguration()
        config.dimensions = 3
        config.hiddenDimensions = 4
        config.tableDimensions = 3
        config.dropout = 0
        config.countFeatures = true
        config.countHiddenDimensions = 4
        config.standaloneEmbeddingLoss = standalone
        config.validationFraction = 0
        config.negatives = 2
        let trainer = try Trainer(dataset: try gradientCheckDataset(), configuration: config)
        let counts = trainer.model.decoders[1].counts!
        // Biases of ReLU layers start at zero: move them off the kinks' ties with every feature zero.
        var g = SeededGenerator(seed: 5)
        for layer in counts.layers { layer.bias!.value = randomMatrix(1, layer.outputDimensions, scale: 0.5, using: &g) }
        checkWholeLossGradients(trainer, of: trainer.model.parameters)
    }
}
