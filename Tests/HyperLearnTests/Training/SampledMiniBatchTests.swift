@testable import HyperLearn
import XCTest

/// Sampled mini-batches (``TrainingConfiguration/fanouts``): a step encodes only the items its
/// hyperedges name and their sampled neighbourhoods, and with every neighbour it is the full-graph step.
final class SampledMiniBatchTests: XCTestCase {
    /// Three modalities: ring graph, induced hypergraph with dense features, co-occurrence graph; a
    /// 3rd-order link relation and a valued 2nd-order one, with sparse incidence features.
    func dataset() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 120, order: 3)
        synthetic.popularityExponent = 1
        synthetic.seed = 11
        let (factors, graphs) = try synthetic.structure()
        let all = try synthetic.hyperedges(count: 2_000, factors: factors, preferStructure: true)
        var g = SeededGenerator(seed: 3)
        var data = Dataset(name: "sampled")
        try data.addModality(Modality(name: "m0", count: 120, graph: .adjacency(graphs[0])))
        try data.addModality(Modality(name: "m1", count: 120, features: randomMatrix(120, 4, using: &g), hypergraph: .induced))
        try data.addModality(Modality(name: "m2", count: 120, graph: .cooccurrence(k: 4)))
        try data.addRelation(Relation(name: "link", members: [0, 1, 2], task: .link,
                                      train: all.subset(Array(0..<1_600)), test: all.subset(Array(1_600..<2_000))))
        var pairs = [[Int]](), values = [Float]()
        for i in 0..<120 where i % 3 == 0 { pairs.append([i, (i * 7) % 120]); values.append(Float(i % 5) / 2) }
        try data.addRelation(Relation(name: "rating", members: [0, 1], task: .regression, train: HyperedgeSet(pairs, values: values)))
        return data
    }

    func configuration(fanouts: [Int], shards: Int = 1, lazyAdam: Bool = false) -> TrainingConfiguration {
        var config = TrainingConfiguration.small(width: 8, epochs: 3, batchSize: 200)
        config.threads = 2
        config.dropout = 0
        config.incidenceFeatures = true
        config.fanouts = fanouts
        config.lazyAdam = lazyAdam
        config.shards = shards
        config.seed = 4
        return config
    }

    func train(_ config: TrainingConfiguration) throws -> (embeddings: [Matrix], losses: [Double], trainer: Trainer) {
        let trainer = try Trainer(dataset: try dataset(), configuration: config)
        try trainer.fit()
        return (trainer.embeddings(), trainer.history.map(\.loss), trainer)
    }

    /// The test: a fan-out that covers every neighbour gives the full-graph numbers.
    func testEveryNeighbourEqualsFullGraphTraining() throws {
        let full = try train(configuration(fanouts: []))
        let sampled = try train(configuration(fanouts: [-1]))
        XCTAssertEqual(full.trainer.stepsPerEpoch, 8)
        for m in 0..<3 { assertClose(sampled.embeddings[m], full.embeddings[m], rtol: 1e-4, atol: 1e-5, "modality \(m)") }
        XCTAssertEqual(sampled.losses.count, 3)
        for (a, b) in zip(sampled.losses, full.losses) { XCTAssertEqual(a, b, accuracy: 1e-5 * abs(b)) }
        // The sampled run did encode fewer items per step than the whole modality.
        XCTAssertGreaterThan(sampled.trainer.phaseTimes.neighborSampling, 0)
    }

    /// A small fan-out changes the numbers (it samples), stays finite, and still learns.
    func testSmallFanoutSamplesAndLearns() throws {
        let full = try train(configuration(fanouts: []))
        let sampled = try train(configuration(fanouts: [2, 3]))
        var difference = sampled.embeddings[0]
        try difference.add(full.embeddings[0], scaledBy: -1)
        XCTAssertGreaterThan(difference.squaredNorm, 1e-6 * full.embeddings[0].squaredNorm)
        XCTAssertTrue(sampled.losses.allSatisfy(\.isFinite))
        XCTAssertLessThan(sampled.losses.last!, sampled.losses.first!)
    }

    /// The sampled step's gradient is the gradient of the sampled step's loss (the samples are fixed by
    /// the step counter, which a gradient computation does not advance).
    func testSampledStepGradientMatchesFiniteDifferences() throws {
        var config = configuration(fanouts: [2, 1])
        config.decoder = .cpTuple
        config.tupleHiddenDimensions = 4
        config.pairwiseInteractions = true
        config.embeddingRegularization = 0.1
        config.negatives = 2
        config.validationFraction = 0
        let trainer = try Trainer(dataset: try dataset(), configuration: config)
        // A batch of a few hyperedges, so that the step's items are a small part of each modality.
        let batches = trainer.trainingSets.map { Array(0..<min(6, $0.count)) }
        let saved = trainer.generator
        let loss = { () -> Double in
            trainer.generator = saved
            return try! trainer.computeGradients(batches: batches)
        }
        for parameter in trainer.model.parameters {
            checkGradient(parameter, epsilon: 1e-3, tolerance: 5e-2, limit: 12, loss: loss) { _ = loss() }
        }
        // Table rows outside the step's neighbourhoods get no gradient.
        _ = loss()
        let table = trainer.model.encoders[0].table!.gradient
        let touched = (0..<table.rows).filter { r in (0..<table.columns).contains { table[r, $0] != 0 } }
        XCTAssertGreaterThan(touched.count, 0)
        XCTAssertLessThan(touched.count, table.rows)
    }

    /// Each shard samples its own modality's neighbourhoods, so sharding does not change the result.
    func testShardedSampledRunsEqualUnsharded() throws {
        let one = try train(configuration(fanouts: [3, 2]))
        for shards in [2, 3] {
            let sharded = try train(configuration(fanouts: [3, 2], shards: shards))
            for m in 0..<3 {
                assertClose(sharded.embeddings[m], one.embeddings[m], rtol: 1e-5, atol: 1e-6, "\(shards) shards, modality \(m)")
            }
            for (a, b) in zip(sharded.losses, one.losses) { XCTAssertEqual(a, b, accuracy: 1e-6 * abs(b)) }
        }
    }

    /// Lazy Adam: a sampled step moves the table rows it read and leaves every other row, and its Adam
    /// moments, as they were; dense Adam moves every row (weight decay gives each row a gradient).
    func testLazyAdamUpdatesOnlyTheRowsAStepRead() throws {
        for lazy in [true, false] {
            var config = configuration(fanouts: [1, 1], lazyAdam: lazy)
            config.weightDecay = 1e-3
            let trainer = try Trainer(dataset: try dataset(), configuration: config)
            let table = trainer.model.encoders[0].table!
            func changedRows(_ a: Matrix, _ b: Matrix) -> Set<Int> {
                Set((0..<a.rows).filter { r in (0..<a.columns).contains { a[r, $0] != b[r, $0] } })
            }
            try trainer.step(batches: trainer.trainingSets.map { Array(0..<min(3, $0.count)) })
            let before = table.value, momentsBefore = trainer.optimizer.moments[table.name]!
            try trainer.step(batches: trainer.trainingSets.map { Array(min(3, $0.count)..<min(6, $0.count)) })
            let moved = changedRows(table.value, before)
            let momentsMoved = changedRows(trainer.optimizer.moments[table.name]!.second, momentsBefore.second)
            if lazy {
                // Only the step's rows: each moved row's moments were updated, and most rows were not.
                XCTAssertGreaterThan(moved.count, 0)
                XCTAssertTrue(moved.isSubset(of: momentsMoved))
                XCTAssertLessThan(momentsMoved.count, table.rows / 2)
            } else {
                XCTAssertEqual(moved.count, table.rows)
                XCTAssertEqual(momentsMoved.count, table.rows)
            }
        }
    }

    func testFanoutSettingsAreChecked() {
        var config = TrainingConfiguration()
        config.fanouts = [10, 10, 10]
        XCTAssertThrowsError(try config.validate())
        config.fanouts = [0]
        XCTAssertThrowsError(try config.validate())
        config.fanouts = [5]
        config.smoothness = 0.1
        XCTAssertThrowsError(try config.validate())
        config.smoothness = 0
        XCTAssertNoThrow(try config.validate())
        XCTAssertEqual(config.layerFanouts, [5, 5])
    }
}

/// The sampler on its own: bounded rows, the prefix layout, and unbiased estimates of `P x`.
final class NeighborSamplerTests: XCTestCase {
    func ringPropagation(_ n: Int) throws -> NormalizedAdjacency {
        var entries = [(row: Int, column: Int, value: Float)]()
        for i in 0..<n { for k in 1...3 { entries.append((i, (i + k) % n, 1)); entries.append(((i + k) % n, i, 1)) } }
        return try NormalizedAdjacency(adjacency: SparseMatrix(rows: n, columns: n, entries: entries))
    }

    func testLevelsStartWithTheirTargetsAndRowsAreBounded() throws {
        let sampler = NeighborSampler(try ringPropagation(40))
        var g = SeededGenerator(seed: 1)
        let seeds: [Int32] = [3, 17, 30]
        let sampled = sampler.sample(seeds: seeds, fanouts: [2, 4], using: &g)
        XCTAssertEqual(sampled.nodes.count, 3)
        XCTAssertEqual(sampled.nodes[2], seeds)
        XCTAssertEqual(Array(sampled.nodes[1].prefix(3)), seeds)
        XCTAssertEqual(Array(sampled.nodes[0].prefix(sampled.nodes[1].count)), sampled.nodes[1])
        let hop = sampled.operators[1].terms[0].first
        XCTAssertEqual(hop.rows, 3)
        XCTAssertEqual(hop.columns, sampled.nodes[1].count)
        XCTAssertTrue(hop.rowDegrees.allSatisfy { $0 == 2 })  // 7 entries (6 neighbours and the self-loop) per row, 2 kept
        XCTAssertEqual(sampled.operators[1].transposedTerms[0].first, hop.transposed)
    }

    /// A one-level sample's propagation of `x` (one column over all items) to its seeds.
    func apply(_ level: SampledNeighborhood, to x: Matrix) throws -> Matrix {
        let columns = try Matrix(rows: level.nodes[0].count, columns: 1, storage: level.nodes[0].map { x[Int($0), 0] })
        var y = Matrix(rows: level.nodes[1].count, columns: 1)
        for term in level.operators[0].terms {
            var part = try term.first.multiply(columns)
            if let second = term.second { part = try second.multiply(part) }
            try y.add(part, scaledBy: term.weight)
        }
        return y
    }

    /// Averaged over draws, the sampled rows estimate `P x` (the `degree / fanout` scaling), for a graph
    /// and, through both sampling stages, for a hypergraph.
    func testSampledPropagationIsUnbiased() throws {
        var g = SeededGenerator(seed: 2)
        let x = randomMatrix(30, 1, using: &g)
        // Two distinct hyperedges per item (i and 3i + 1 differ mod 10: their difference 2i + 1 is odd).
        let incidence = try SparseMatrix(rows: 30, columns: 10, entries: (0..<30).flatMap { i in
            [(row: i, column: i % 10, value: Float(1)), (row: i, column: (i * 3 + 1) % 10, value: Float(1))]
        })
        for propagation in [try ringPropagation(30) as any Propagation, try HypergraphPropagation(incidence: incidence)] {
            let exact = try propagation.apply(x)
            let sampler = NeighborSampler(propagation)
            let seeds: [Int32] = [0, 7, 21]
            var mean = [Double](repeating: 0, count: seeds.count)
            let draws = 4_000
            for _ in 0..<draws {
                let y = try apply(sampler.sample(seeds: seeds, fanouts: [2], using: &g), to: x)
                for r in seeds.indices { mean[r] += Double(y[r, 0]) / Double(draws) }
            }
            for (r, seed) in seeds.enumerated() {
                XCTAssertEqual(mean[r], Double(exact[Int(seed), 0]), accuracy: 0.03 * max(0.1, abs(Double(exact[Int(seed), 0]))),
                               "\(type(of: propagation)) row \(seed)")
            }
            // With every neighbour, one draw is exact.
            let y = try apply(sampler.sample(seeds: seeds, fanouts: [-1], using: &g), to: x)
            for (r, seed) in seeds.enumerated() { XCTAssertEqual(y[r, 0], exact[Int(seed), 0], accuracy: 1e-5) }
        }
    }
}
