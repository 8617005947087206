@testable import HyperLearn
import XCTest

/// ``Ensemble``: members trained with their own seeds, predictions averaged, metrics by the single
/// model's protocol.
final class EnsembleTests: XCTestCase {
    /// Ratings `⟨u, v⟩ + noise` in [1, 5] between 40 users and 30 movies, and a user–movie–tag link relation.
    func dataset(name: String = "ensemble", noise: Float = 0.3) throws -> Dataset {
        var generator = SeededGenerator(seed: 5)
        let users = (0..<40).map { _ in (0..<3).map { _ in generator.normal() * 0.8 } }
        let movies = (0..<30).map { _ in (0..<3).map { _ in generator.normal() * 0.8 } }
        func rating(_ u: Int, _ m: Int) -> Float {
            let dot = zip(users[u], movies[m]).reduce(0) { $0 + $1.0 * $1.1 }
            return min(5, max(1, 3 + dot + noise * generator.normal()))
        }
        var pairs = (0..<(40 * 30)).map { [$0 / 30, $0 % 30] }
        pairs.shuffle(using: &generator)
        let train = Array(pairs.prefix(700)), test = Array(pairs.dropFirst(700).prefix(300))
        let tagged = (0..<300).map { _ in [Int(generator.next() % 40), Int(generator.next() % 30), Int(generator.next() % 6)] }
        var data = Dataset(name: name)
        try data.addModality(Modality(name: "user", count: 40))
        try data.addModality(Modality(name: "movie", count: 30))
        try data.addModality(Modality(name: "tag", count: 6))
        try data.addRelation(Relation(name: "rating", members: [0, 1], task: .regression,
                                      train: HyperedgeSet(train, values: train.map { rating($0[0], $0[1]) }),
                                      test: HyperedgeSet(test, values: test.map { rating($0[0], $0[1]) })))
        try data.addRelation(Relation(name: "tagging", members: [0, 1, 2], task: .link,
                                      train: HyperedgeSet(Array(tagged.prefix(240))), test: HyperedgeSet(Array(tagged.dropFirst(240)))))
        return data
    }

    var configuration: TrainingConfiguration {
        var config = TrainingConfiguration.small(width: 8, epochs: 25, batchSize: 128)
        config.hiddenDimensions = 16
        config.learningRate = 0.02
        config.threads = 2
        config.seed = 7
        return config
    }

    func testAveragesTheMembersPredictions() throws {
        let data = try dataset()
        let ensemble = try Ensemble.train(dataset: data, configuration: configuration, members: 3)
        XCTAssertEqual(ensemble.members.map(\.structure.configuration.seed), [7, 1_007, 2_007])
        let test = try XCTUnwrap(data.relations[0].test)
        let targets = try XCTUnwrap(test.values)
        let memberPredictions = try ensemble.members.map { try $0.predictions(relation: 0, hyperedges: test) }
        let mean = (0..<test.count).map { e in memberPredictions.reduce(0) { $0 + $1[e] } / 3 }
        assertClose(try ensemble.predictedValues(relation: 0, hyperedges: test), mean)
        XCTAssertNotEqual(memberPredictions[0], memberPredictions[1], "members with different seeds must differ")

        func meanSquaredError(_ predicted: [Float]) -> Double {
            zip(predicted, targets).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(targets.count)
        }
        let metrics = try ensemble.evaluate()
        let rmse = try XCTUnwrap(metrics["rating"]?["rmse"])
        XCTAssertEqual(rmse, meanSquaredError(mean).squareRoot(), accuracy: 1e-5)
        // Squared error is convex: the average's error is below the members' mean error, strictly
        // where they disagree.
        let memberMSE = memberPredictions.map(meanSquaredError)
        XCTAssertLessThan(rmse * rmse, memberMSE.reduce(0, +) / 3)

        // Link relations: raw scores averaged, scored against evaluate's corrupt-one negatives.
        let positives = try XCTUnwrap(data.relations[1].test)
        var generator = SeededGenerator(seed: 1)
        let negatives = sampleNegatives(for: positives, perPositive: 1, sizes: [40, 30, 6], protocol: .corruptOne,
                                        known: ensemble.members[0].evaluation.knownAll[1], using: &generator)
        let auc = try Metrics.areaUnderROC(positives: try ensemble.predictedValues(relation: 1, hyperedges: positives),
                                       negatives: try ensemble.predictedValues(relation: 1, hyperedges: negatives))
        XCTAssertEqual(try XCTUnwrap(metrics["tagging"]?["auc"]), auc, accuracy: 1e-9)
    }

    func testOneMemberIsTheModelItself() throws {
        let trainer = try Trainer(dataset: try dataset(), configuration: configuration)
        try trainer.fit()
        let ensemble = try Ensemble([trainer])
        XCTAssertEqual(try ensemble.evaluate() as NSDictionary, trainer.evaluate() as NSDictionary)
    }

    /// The same data with a 3-NN co-occurrence graph on the movies.
    func withMovieGraph(_ data: Dataset) throws -> Dataset {
        var copy = Dataset(name: data.name)
        for (m, modality) in data.modalities.enumerated() {
            var modality = modality
            if m == 1 { modality.graph = .cooccurrence(k: 3) }
            try copy.addModality(modality)
        }
        for relation in data.relations { try copy.addRelation(relation) }
        return copy
    }

    func testMembersMustShareTheDataset() throws {
        var config = configuration
        config.epochs = 1
        let a = try Trainer(dataset: try dataset(), configuration: config)
        let b = try Trainer(dataset: try dataset(name: "other", noise: 0.5), configuration: config)
        XCTAssertThrowsError(try Ensemble([a, b])) { error in
            XCTAssertTrue("\(error)".contains("member 1 ('other')") && "\(error)".contains("relation 'rating' has other test hyperedges"), "\(error)")
        }
        // Another configuration and another graph, same items and test hyperedges: accepted.
        var renamed = try dataset(name: "renamed")
        renamed = try withMovieGraph(renamed)
        var wider = config
        wider.dimensions = 4
        XCTAssertNoThrow(try Ensemble([a, try Trainer(dataset: renamed, configuration: wider)]))
        XCTAssertThrowsError(try Ensemble([]))
        XCTAssertThrowsError(try Ensemble.train(dataset: try dataset(), configuration: config, members: 0))
    }
}
