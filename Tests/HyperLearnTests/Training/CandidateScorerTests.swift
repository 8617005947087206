@testable import HyperLearn
import XCTest

/// Batched ranking: a block of hidden-member queries scored as one product with the embedding table
/// gives the decoder's own scores, and the same ranking metrics as scoring query by query.
final class CandidateScorerTests: XCTestCase {
    func trainedModel(decoder: DecoderKind) throws -> Trainer {
        var synthetic = SyntheticData(modalities: 3, items: 60, order: 3)
        synthetic.seed = 8
        let (factors, graphs) = try synthetic.structure()
        let all = try synthetic.hyperedges(count: 900, factors: factors, preferStructure: true)
        var data = Dataset(name: "ranking")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 60, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "link", members: [0, 1, 2], task: .link,
                                      train: all.subset(Array(0..<700)), test: all.subset(Array(700..<900))))
        var config = TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 0)
        config.threads = 2
        config.decoder = decoder
        config.pairwiseInteractions = true
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        return trainer
    }

    func testCandidateScoresEqualDecoderScores() throws {
        let trainer = try trainedModel(decoder: .cp)
        let z = trainer.embeddings()
        let scorer = trainer.candidateScorer(embeddings: z)
        XCTAssertTrue(scorer.isLinear(relation: 0))
        let queries: [Int32] = [3, 10, 20, 7, 0, 59]
        for hidden in 0..<3 {
            let scores = try XCTUnwrap(scorer.scores(relation: 0, hidden: hidden, queries: queries))
            XCTAssertEqual(scores.rows, 2)
            XCTAssertEqual(scores.columns, 60)
            for q in 0..<2 {
                var tuples = [Int32]()
                for c in 0..<60 {
                    var tuple = Array(queries[(q * 3)..<(q * 3 + 3)])
                    tuple[hidden] = Int32(c)
                    tuples += tuple
                }
                let expected = trainer.rawScores(relation: 0, hyperedges: HyperedgeSet(order: 3, uncheckedMembers: tuples), embeddings: z)
                assertClose(Array(scores.storage[(q * 60)..<((q + 1) * 60)]), expected, rtol: 1e-4, atol: 1e-5, "hidden \(hidden)")
            }
        }
    }

    func testBatchedRankingMetricsEqualQueryByQuery() throws {
        let trainer = try trainedModel(decoder: .cp)
        let z = trainer.embeddings()
        let test = try XCTUnwrap(trainer.dataset.relations[0].test)
        let scoring: Scoring = { r, hyperedges in trainer.rawScores(relation: r, hyperedges: hyperedges, embeddings: z) }
        let one = try trainer.evaluation.rankingMetrics(relation: 0, positives: test, scoring: scoring)
        let batched = try trainer.evaluation.rankingMetrics(relation: 0, positives: test, scoring: scoring,
                                                        candidates: [trainer.candidateScorer(embeddings: z)])
        // The definition, candidate by candidate: known positives other than the query left out, ties ½.
        var ranks = [Double]()
        for e in 0..<test.count {
            let hidden = e % 3, truth = Int(test.members[e * 3 + hidden])
            var tuples = [Int32]()
            for c in 0..<60 {
                var tuple = Array(test.members[(e * 3)..<(e * 3 + 3)])
                tuple[hidden] = Int32(c)
                tuples += tuple
            }
            let scores = try scoring(0, HyperedgeSet(order: 3, uncheckedMembers: tuples))
            var rank = 1.0
            for c in 0..<60 where c != truth && scores[c] >= scores[truth] {
                if trainer.evaluation.knownAll[0].contains(tuples[(c * 3)..<(c * 3 + 3)]) { continue }
                rank += scores[c] > scores[truth] ? 1 : 0.5
            }
            ranks.append(rank)
        }
        XCTAssertEqual(one["mrr"]!, ranks.reduce(0) { $0 + 1 / $1 } / Double(ranks.count), accuracy: 1e-12)
        XCTAssertEqual(Set(one.keys), Set(batched.keys))
        XCTAssertGreaterThan(one["mrr"]!, 0.05)
        for (name, value) in one { XCTAssertEqual(batched[name]!, value, accuracy: 2e-3, name) }
    }

    func testTupleDecoderHasNoLinearForm() throws {
        let trainer = try trainedModel(decoder: .cpTuple)
        XCTAssertFalse(trainer.candidateScorer(embeddings: trainer.embeddings()).isLinear(relation: 0))
        // …and evaluation still ranks (query by query).
        XCTAssertNotNil(trainer.evaluate()["link"]?["mrr"])
    }
}
