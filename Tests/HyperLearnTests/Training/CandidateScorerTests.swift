@testable import HyperLearn
import XCTest

/// Batched ranking: a block of hidden-member queries scored as one product with the embedding table
/// gives the decoder's own scores, and the same ranking metrics as scoring query by query.
final class CandidateScorerTests: XCTestCase {
    func trainedModel(decoder: DecoderKind, training: Int = 700, counts: Bool = true, order: Int = 3) throws -> Trainer {
        var synthetic = SyntheticData(modalities: order, items: 60, order: order)
        synthetic.seed = 8
        let (factors, graphs) = try synthetic.structure()
        let all = try synthetic.hyperedges(count: 900, factors: factors, preferStructure: true)
        var data = Dataset(name: "ranking")
        for m in 0..<order { try data.addModality(Modality(name: "m\(m)", count: 60, graph: .adjacency(graphs[m]))) }
        try data.addRelation(Relation(name: "link", members: Array(0..<order), task: .link,
                                      train: all.subset(Array(0..<training)), test: all.subset(Array(700..<900))))
        var config = TrainingConfiguration.small(width: 8, epochs: 4, batchSize: 0)
        config.threads = 2
        config.decoder = decoder
        config.pairwiseInteractions = true
        config.countFeatures = counts
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        return trainer
    }

    /// With the count term (700 training hyperedges: nearly every candidate shares one with another
    /// member; 40: nearly none does, and the term reads the candidate's degree alone), at orders 3, 2
    /// and 4, and without it.
    func testCandidateScoresEqualDecoderScores() throws {
        for (training, counts, order) in [(700, true, 3), (40, true, 3), (700, false, 3), (300, true, 2), (500, true, 4)] {
            try checkCandidateScores(trainedModel(decoder: .cp, training: training, counts: counts, order: order))
        }
    }

    func checkCandidateScores(_ trainer: Trainer) throws {
        XCTAssertEqual(trainer.model.decoders[0].counts != nil, trainer.configuration.countFeatures)
        let z = trainer.embeddings()
        let scorer = trainer.candidateScorer(embeddings: z)
        XCTAssertTrue(scorer.isLinear(relation: 0))
        // Two training hyperedges, whose true members complete a counted tuple, and two other tuples.
        let p = trainer.dataset.relations[0].order
        let queries = Array(trainer.trainingSets[0].members.prefix(2 * p)) + Array([3, 10, 20, 7, 0, 59, 12, 44].prefix(2 * p))
        for hidden in 0..<p {
            let scores = try XCTUnwrap(scorer.scores(relation: 0, hidden: hidden, queries: queries))
            XCTAssertEqual(scores.rows, 4)
            XCTAssertEqual(scores.columns, 60)
            for q in 0..<4 {
                var tuples = [Int32]()
                for c in 0..<60 {
                    var tuple = Array(queries[(q * p)..<(q * p + p)])
                    tuple[hidden] = Int32(c)
                    tuples += tuple
                }
                let expected = trainer.rawScores(relation: 0, hyperedges: HyperedgeSet(order: p, uncheckedMembers: tuples), embeddings: z)
                assertClose(Array(scores.storage[(q * 60)..<((q + 1) * 60)]), expected, rtol: 1e-4, atol: 1e-5, "order \(p), hidden \(hidden)")
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
