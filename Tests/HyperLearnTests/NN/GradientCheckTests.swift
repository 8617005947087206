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

    func testLinear() {
        var g = SeededGenerator(seed: 1)
        let layer = Linear(4, 3, using: &g)
        let x = Parameter(name: "x", value: randomMatrix(6, 4, using: &g))
        let r = randomMatrix(6, 3, using: &g)
        let loss = { layer(x.value).uncheckedDot(r) }
        for parameter in layer.parameters + [x] {
            checkGradient(parameter, loss: loss) {
                for q in layer.parameters { q.zeroGradient() }
                let dx = layer.backward(input: x.value, outputGradient: r)!
                x.gradient = dx
            }
        }
    }

    func testGCNConvOverGraphAndHypergraph() throws {
        for propagation in [try smallGraph() as any Propagation, try smallHypergraph(), try MixedPropagation([smallGraph(), smallHypergraph()])] {
            var g = SeededGenerator(seed: 2)
            let conv = GCNConv(3, 4, propagation: propagation, rootWeight: true, using: &g)
            let x = Parameter(name: "x", value: randomMatrix(5, 3, using: &g))
            let r = randomMatrix(5, 4, using: &g)
            let loss = { conv(x.value).uncheckedDot(r) }
            for parameter in conv.parameters + [x] {
                checkGradient(parameter, loss: loss) {
                    for q in conv.parameters { q.zeroGradient() }
                    x.gradient = conv.backward(input: x.value, outputGradient: r)!
                }
            }
        }
    }

    func testReLUDropout() {
        var g = SeededGenerator(seed: 3)
        // Keep inputs away from the kink at 0, where finite differences are meaningless.
        var value = randomMatrix(4, 5, using: &g)
        for i in 0..<value.storage.count where abs(value.storage[i]) < 0.1 { value.storage[i] += 0.3 }
        let x = Parameter(name: "x", value: value)
        let mask = ReLUDropout.mask(count: 20, rate: 0.3, using: &g)
        let r = randomMatrix(4, 5, using: &g)
        checkGradient(x, loss: { ReLUDropout.forward(x.value, mask: mask).uncheckedDot(r) }) {
            x.gradient = ReLUDropout.backward(preActivation: x.value, outputGradient: r, mask: mask)
        }
    }

    /// Checks a decoder's parameters and member gradients on `order` random member blocks of `count` rows.
    func checkDecoder(order: Int, count: Int, rank: Int, parameters: [Parameter], tolerance: Double = 2e-2,
                      using g: inout SeededGenerator,
                      forward: @escaping (GatheredRows, inout [Float]) -> Void,
                      backward: @escaping (GatheredRows, [Float], inout GatheredRows) -> Void) {
        let members = (0..<order).map { Parameter(name: "g\($0)", value: randomMatrix(count, rank, using: &g)) }
        let r = (0..<count).map { _ in g.normal() }
        let loss = { () -> Double in
            var s = [Float](repeating: 0, count: count)
            forward(GatheredRows(members.map(\.value)), &s)
            return zip(s, r).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        for parameter in parameters + members {
            checkGradient(parameter, tolerance: tolerance, loss: loss) {
                for q in parameters { q.zeroGradient() }
                var grads = GatheredRows(order: order, capacity: count, dimensions: rank)
                backward(GatheredRows(members.map(\.value)), r, &grads)
                for (j, m) in members.enumerated() { m.gradient = grads.member(j, count: count) }
            }
        }
    }

    func testCPDecoderOrderThree() {
        var g = SeededGenerator(seed: 4)
        let decoder = CPDecoder(rank: 3)
        decoder.weights.value = randomMatrix(1, 3, using: &g)
        checkDecoder(order: 3, count: 7, rank: 3, parameters: decoder.parameters, using: &g,
                     forward: { decoder.forward($0, count: 7, addingTo: &$1) },
                     backward: { decoder.backward($0, count: 7, scoreGradient: $1, gatheredGradients: &$2) })
    }

    func testPairwiseDecoderOrdersThreeAndFour() {
        for order in [3, 4] {
            var g = SeededGenerator(seed: 40 + UInt64(order))
            let decoder = PairwiseDecoder(rank: 3)
            decoder.weights.value = randomMatrix(1, 3, using: &g)
            checkDecoder(order: order, count: 7, rank: 3, parameters: decoder.parameters, using: &g,
                         forward: { decoder.forward($0, count: 7, addingTo: &$1) },
                         backward: { decoder.backward($0, count: 7, scoreGradient: $1, gatheredGradients: &$2) })
        }
    }

    /// The pairwise score against its definition, `Σ_k ν_k Σ_{j<l} G_j[k] G_l[k]`, written out.
    func testPairwiseDecoderMatchesDefinition() throws {
        let decoder = PairwiseDecoder(rank: 2)
        decoder.weights.value = try Matrix(rows: 1, columns: 2, storage: [2, -1])
        // One hyperedge with members (1, 2), (3, 4), (5, 6).
        let members = try [[Float(1), 2], [3, 4], [5, 6]].map { try Matrix(rows: 1, columns: 2, storage: $0) }
        var s: [Float] = [0.5]
        decoder.forward(GatheredRows(members), count: 1, addingTo: &s)
        // k = 0: 1·3 + 1·5 + 3·5 = 23; k = 1: 2·4 + 2·6 + 4·6 = 44; 2·23 − 44 = 2.
        XCTAssertEqual(s[0], 0.5 + 2, accuracy: 1e-5)
    }

    func testTupleDecoder() {
        var g = SeededGenerator(seed: 5)
        let decoder = TupleDecoder(order: 3, dimensions: 2, hiddenDimensions: 5, using: &g)
        checkDecoder(order: 3, count: 6, rank: 2, parameters: decoder.parameters, tolerance: 5e-2, using: &g,
                     forward: { decoder.forward($0, count: 6, addingTo: &$1) },
                     backward: { decoder.backward($0, count: 6, scoreGradient: $1, gatheredGradients: &$2) })
    }

    func testLosses() throws {
        var g = SeededGenerator(seed: 6)
        let s = Parameter(name: "scores", value: randomMatrix(1, 8, using: &g))
        let y = (0..<8).map { _ in g.normal() }
        var scratch = [Float](repeating: 0, count: 8)
        checkGradient(s, loss: { squaredErrorLoss(scores: s.value.storage[...], targets: y[...], normalizer: 8, gradient: &scratch) }) {
            var grad = [Float](repeating: 0, count: 8)
            _ = squaredErrorLoss(scores: s.value.storage[...], targets: y[...], normalizer: 8, gradient: &grad)
            s.gradient.storage = grad
        }
        for label in [true, false] {
            checkGradient(s, loss: { logisticLoss(scores: s.value.storage[...], label: label, normalizer: 8, gradient: &scratch) }) {
                var grad = [Float](repeating: 0, count: 8)
                _ = logisticLoss(scores: s.value.storage[...], label: label, normalizer: 8, gradient: &grad)
                s.gradient.storage = grad
            }
        }
        let z = Parameter(name: "z", value: randomMatrix(5, 3, using: &g))
        for propagation in [try smallGraph() as any Propagation, try smallHypergraph()] {
            var unused = Matrix(rows: 5, columns: 3)
            checkGradient(z, loss: { smoothnessLoss(z.value, propagation: propagation, weight: 0.7, gradient: &unused) }) {
                var grad = Matrix(rows: 5, columns: 3)
                _ = smoothnessLoss(z.value, propagation: propagation, weight: 0.7, gradient: &grad)
                z.gradient = grad
            }
        }
    }

    /// The whole model: encoders with table, dense and sparse features over a graph and a hypergraph,
    /// CP + tuple + pairwise decoders, a valued 2nd-order and an unvalued 3rd-order relation, smoothness.
    func testFullLoss() throws {
        var data = Dataset(name: "grad")
        var g = SeededGenerator(seed: 7)
        let a = try data.addModality(Modality(name: "a", count: 6, features: randomMatrix(6, 2, using: &g), graph: .nearestNeighbors(k: 2)))
        let b = try data.addModality(Modality(name: "b", count: 5, hypergraph: .induced))
        let c = try data.addModality(Modality(name: "c", count: 4, graph: .cooccurrence(k: 2)))
        var pairs = [[Int]](), values = [Float]()
        for i in 0..<6 { for j in 0..<5 where (i + j) % 2 == 0 { pairs.append([i, j]); values.append(Float(i - j) / 3) } }
        try data.addRelation(Relation(name: "rates", members: [a, b], task: .regression, train: HyperedgeSet(pairs, values: values)))
        let triples = (0..<12).map { [$0 % 6, ($0 * 2) % 5, ($0 * 3) % 4] }
        try data.addRelation(Relation(name: "tags", members: [a, b, c], task: .link, train: HyperedgeSet(triples)))
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
        let batches = trainer.trainingSets.map { Array(0..<$0.count) }
        let saved = trainer.generator
        let loss = { () -> Double in
            trainer.generator = saved
            return trainer.computeGradients(batches: batches)
        }
        for parameter in trainer.model.parameters {
            checkGradient(parameter, epsilon: 1e-3, tolerance: 5e-2, limit: 10, loss: loss) { _ = loss() }
        }
    }
}
