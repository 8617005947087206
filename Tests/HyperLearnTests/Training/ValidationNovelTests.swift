@testable import HyperLearn
import XCTest

/// The validation split's `auc_novel`: the AUC of the validation positives that repeat no fit
/// hyperedge, against the split's negatives, reported where some repeat and some do not.
final class ValidationNovelTests: XCTestCase {
    /// By hand: (1,1) repeats a fit hyperedge, (0,0) and (2,2) do not.
    func testNovelPositionsByHand() throws {
        let validation = try HyperedgeSet([[0, 0], [1, 1], [2, 2]])
        XCTAssertEqual(Trainer.novelPositions(of: validation, against: try HyperedgeSet([[1, 1], [0, 2], [1, 1]]), sizes: [3, 3]), [0, 2])
        XCTAssertNil(Trainer.novelPositions(of: validation, against: try HyperedgeSet([[0, 1], [2, 0]]), sizes: [3, 3]),
                     "none repeats: auc_novel would equal auc")
        XCTAssertNil(Trainer.novelPositions(of: validation, against: try HyperedgeSet([[2, 2], [0, 0], [1, 1]]), sizes: [3, 3]),
                     "all repeat: there is nothing novel to score")
    }

    /// A relation whose hyperedges repeat (as drug's do) reports `auc_novel` among its validation
    /// metrics, equal to the AUC of the novel positives' scores computed here; one without repeats does not.
    func testValidationReportsNovelAUCWhereHyperedgesRepeat() throws {
        var g = SeededGenerator(seed: 9)
        var tuples = [[Int]]()
        for _ in 0..<300 { tuples.append([g.index(below: 30), g.index(below: 40), g.index(below: 20)]) }
        let repeated = tuples + tuples.prefix(150)
        func trainer(_ tuples: [[Int]]) throws -> Trainer {
            var data = Dataset(name: "repeats")
            for (name, count) in [("a", 30), ("b", 40), ("c", 20)] { try data.addModality(Modality(name: name, count: count)) }
            try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet(tuples)))
            var config = TrainingConfiguration.small(width: 4, epochs: 2, batchSize: 0)
            config.validationFraction = 0.2
            let trainer = try Trainer(dataset: data, configuration: config)
            try trainer.fit()
            return trainer
        }
        let withRepeats = try trainer(repeated)
        let fit = Set((0..<withRepeats.trainingSets[0].count).map { Array(withRepeats.trainingSets[0][$0]) })
        let held = withRepeats.validationSets[0]
        let novel = (0..<held.count).filter { !fit.contains(Array(held[$0])) }
        XCTAssertGreaterThan(novel.count, 0)
        XCTAssertLessThan(novel.count, held.count)
        XCTAssertEqual(withRepeats.validationNovel[0], novel)

        let (_, details) = try withRepeats.validationScore()
        let positives = withRepeats.rawScores(relation: 0, hyperedges: held, validationCounted: false)
        let negatives = withRepeats.rawScores(relation: 0, hyperedges: try XCTUnwrap(withRepeats.validationNegatives[0]),
                                              validationCounted: false)
        let expected = try Metrics.areaUnderROC(positives: novel.map { positives[$0] }, negatives: negatives)
        XCTAssertEqual(try XCTUnwrap(details["r"]?["auc_novel"]), expected, accuracy: 1e-12)
        XCTAssertNotEqual(try XCTUnwrap(details["r"]?["auc"]), expected, "the novel positives are a strict subset")
        XCTAssertNotNil(withRepeats.history.last?.validation["r"]?["auc_novel"], "each epoch's record holds it")

        let without = try trainer(Array(Set(tuples)).sorted { $0.lexicographicallyPrecedes($1) })
        XCTAssertNil(without.validationNovel[0])
        XCTAssertNil(without.history.last?.validation["r"]?["auc_novel"])
    }
}
