@testable import HyperLearn
import XCTest

/// `auc_novel`: the AUC of the test positives that do not repeat a training hyperedge, against the
/// same negatives as `auc`, checked against a pairwise count written out here.
final class NovelPositiveMetricsTests: XCTestCase {
    func testNovelAUCCountsOnlyPositivesUnseenInTraining() throws {
        var synthetic = SyntheticData(modalities: 3, items: 20, order: 3)
        synthetic.graphNeighbors = 3
        let (factors, graphs) = try synthetic.structure()
        let train = try synthetic.hyperedges(count: 500, factors: factors, preferStructure: true, seed: 1)
        let fresh = try synthetic.hyperedges(count: 90, factors: factors, preferStructure: true, seed: 2)
        // The test set: 40 training hyperedges repeated, then the fresh ones.
        let members = Array(train.members.prefix(40 * 3)) + fresh.members
        let test = try HyperedgeSet(order: 3, members: members)
        let trainingTuples = Set((0..<train.count).map { Array(train.members[($0 * 3)..<($0 * 3 + 3)]) })
        let isNovel = (0..<test.count).map { !trainingTuples.contains(Array(test.members[($0 * 3)..<($0 * 3 + 3)])) }
        let novelCount = isNovel.filter { $0 }.count
        XCTAssertGreaterThan(novelCount, 0)
        XCTAssertLessThanOrEqual(novelCount, 90)

        var data = Dataset(name: "novel")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 20, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: train, test: test))
        var config = TrainingConfiguration.small(width: 16, epochs: 60, batchSize: 250)
        config.learningRate = 0.05
        config.weightDecay = 0
        config.dropout = 0
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let metrics = try XCTUnwrap(trainer.evaluate()["r"])
        XCTAssertEqual(try XCTUnwrap(metrics["novel_fraction"]), Double(novelCount) / Double(test.count), accuracy: 1e-12)

        // The corrupt-one negatives of the evaluation (seed 1, rejecting train ∪ test), scored by the model.
        var generator = SeededGenerator(seed: 1)
        let negatives = sampleNegatives(for: test, perPositive: 1, sizes: [20, 20, 20], protocol: .corruptOne,
                                        known: trainer.evaluation.knownAll[0], using: &generator)
        let negativeScores = try trainer.scores(relation: 0, hyperedges: negatives)
        let positiveScores = try trainer.scores(relation: 0, hyperedges: test)
        func pairwiseAUC(_ positives: [Float]) -> Double {
            var wins = 0.0
            for s in positives { for n in negativeScores { wins += s > n ? 1 : s == n ? 0.5 : 0 } }
            return wins / Double(positives.count * negativeScores.count)
        }
        let novelAUC = pairwiseAUC(zip(positiveScores, isNovel).filter(\.1).map(\.0))
        XCTAssertEqual(try XCTUnwrap(metrics["auc_novel"]), novelAUC, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(metrics["auc"]), pairwiseAUC(positiveScores), accuracy: 1e-9)
        // Repeated training hyperedges are the easy part: the novel ones score lower.
        XCTAssertLessThan(novelAUC, try XCTUnwrap(metrics["auc"]))
        XCTAssertNotNil(metrics["auc_novel_random"])
    }

    func testNoNovelMetricsWithoutRepeats() throws {
        var synthetic = SyntheticData(modalities: 3, items: 20, order: 3)
        let (factors, _) = try synthetic.structure()
        synthetic.seed = 3
        let train = try synthetic.hyperedges(count: 200, factors: factors, preferStructure: false, seed: 1)
        let trainingTuples = Set((0..<train.count).map { Array(train.members[($0 * 3)..<($0 * 3 + 3)]) })
        let candidates = try synthetic.hyperedges(count: 60, factors: factors, preferStructure: false, seed: 2)
        let kept = (0..<candidates.count).map { Array(candidates.members[($0 * 3)..<($0 * 3 + 3)]) }
            .filter { !trainingTuples.contains($0) }
        var data = Dataset(name: "no-repeats")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 20)) }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: train,
                                      test: HyperedgeSet(order: 3, members: kept.flatMap { $0 })))
        var config = TrainingConfiguration()
        config.dimensions = 4
        config.tableDimensions = 4
        config.epochs = 1
        let metrics = try XCTUnwrap(try Trainer(dataset: data, configuration: config).evaluate()["r"])
        XCTAssertNotNil(metrics["auc"])
        XCTAssertNil(metrics["auc_novel"])
        XCTAssertNil(metrics["novel_fraction"])
    }
}
