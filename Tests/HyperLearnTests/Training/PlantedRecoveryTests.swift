@testable import HyperLearn
import XCTest

/// The model recovers planted low-rank structure, and the graphs help when data are scarce.
final class PlantedRecoveryTests: XCTestCase {
    /// A valued 3rd-order relation from rank-4 factors smooth on known graphs, noise σ = 0.1.
    func plantedDataset(items: Int, observed: Int, withGraphs: Bool, seed: UInt64) throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: items, order: 3)
        synthetic.seed = seed
        // A ring lattice of 4 neighbours: on 40 items a wider one would smooth away the planted signal.
        synthetic.graphNeighbors = 4
        let (factors, graphs) = try synthetic.structure()
        let train = try synthetic.hyperedges(count: observed, factors: factors, preferStructure: false, noise: 0.1, seed: 1)
        let test = try synthetic.hyperedges(count: 2_000, factors: factors, preferStructure: false, noise: 0, seed: 2)
        var data = Dataset(name: "planted")
        for m in 0..<3 {
            try data.addModality(Modality(name: "m\(m)", count: items, graph: withGraphs ? .adjacency(graphs[m]) : nil))
        }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .regression, train: train, test: test))
        return data
    }

    func plantedConfiguration() -> TrainingConfiguration {
        var config = TrainingConfiguration.small(width: 16, epochs: 300, batchSize: 0)
        config.learningRate = 0.02
        config.dropout = 0
        config.weightDecay = 0
        config.patience = 30
        config.threads = 2
        return config
    }

    /// Recovery through graph convolutions over the known graphs. The root weights matter: without
    /// them the output layer's propagation low-passes the factors and RMSE plateaus near 0.154.
    func testRecoversThirdOrderPlantedTensor() throws {
        let data = try plantedDataset(items: 40, observed: 12_000, withGraphs: true, seed: 11)
        var config = plantedConfiguration()
        config.epochs = 2_000
        config.patience = 100
        config.learningRate = 0.03
        config.learningRateDecay = 0.998
        config.rootWeight = true
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let rmse = try XCTUnwrap(trainer.evaluate()["r"]?["rmse"])
        XCTAssertLessThanOrEqual(rmse, 0.15, "planted 3rd-order RMSE (best epoch \(trainer.bestEpoch))")
    }

    func testGraphsHelpWhenFivePercentIsObserved() throws {
        // 40³ = 64,000 cells; 5% observed.
        var config = plantedConfiguration()
        config.smoothness = 0
        var results = [Bool: Double]()
        for withGraphs in [true, false] {
            let data = try plantedDataset(items: 40, observed: 3_200, withGraphs: withGraphs, seed: 12)
            let trainer = try Trainer(dataset: data, configuration: config)
            try trainer.fit()
            results[withGraphs] = try XCTUnwrap(trainer.evaluate()["r"]?["rmse"])
        }
        XCTAssertLessThan(results[true]!, results[false]!, "with graphs \(results[true]!), without \(results[false]!)")
    }

    func testSecondOrderMatrixCompletion() throws {
        // A rank-3 60 × 50 matrix, 40% observed, noise-free.
        var g = SeededGenerator(seed: 13)
        let u = randomMatrix(60, 3, using: &g), v = randomMatrix(50, 3, using: &g)
        let full = try Matrix.product(u, v, transposeB: true)
        var train = [[Int]](), trainValues = [Float](), test = [[Int]](), testValues = [Float]()
        for i in 0..<60 {
            for j in 0..<50 {
                if g.unitFloat() < 0.4 { train.append([i, j]); trainValues.append(full[i, j]) }
                else if test.count < 500 { test.append([i, j]); testValues.append(full[i, j]) }
            }
        }
        var data = Dataset(name: "mc")
        try data.addModality(Modality(name: "rows", count: 60))
        try data.addModality(Modality(name: "cols", count: 50))
        try data.addRelation(Relation(name: "m", members: [0, 1], task: .regression,
                                      train: HyperedgeSet(train, values: trainValues), test: HyperedgeSet(test, values: testValues)))
        var config = plantedConfiguration()
        config.layers = 1
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let rmse = try XCTUnwrap(trainer.evaluate()["m"]?["rmse"])
        let std = (testValues.map { Double($0 * $0) }.reduce(0, +) / Double(testValues.count)).squareRoot()
        XCTAssertLessThan(rmse, 0.2 * std, "matrix completion RMSE \(rmse) vs signal \(std)")
    }

    func testSameSeedGivesIdenticalEmbeddings() throws {
        let data = try plantedDataset(items: 20, observed: 1_000, withGraphs: true, seed: 14)
        var config = plantedConfiguration()
        config.epochs = 5
        config.dropout = 0.2
        config.batchSize = 300
        let first = try Trainer(dataset: data, configuration: config)
        try first.fit()
        let second = try Trainer(dataset: data, configuration: config)
        try second.fit()
        XCTAssertEqual(first.embeddings(), second.embeddings())
        config.seed = 1
        let third = try Trainer(dataset: data, configuration: config)
        try third.fit()
        XCTAssertNotEqual(first.embeddings(), third.embeddings())
    }
}
