/// Which held-out hyperedges to evaluate.
public enum EvaluationSplit: String, Sendable {
    case validation, test
}

extension Trainer {
    /// Metrics of every relation on `split`, keyed by relation name (the protocol of
    /// ``EvaluationProtocol``: `rmse`/`mae` for regression; `auc`, `aupr`, `auc_random`, `aupr_random`,
    /// `mrr`, `recall@K`, `ndcg@K` and, where test positives repeat training ones, `auc_novel` and
    /// `novel_fraction` for link relations). At most ``TrainingConfiguration/rankingQueries``
    /// hidden-member queries are ranked (a seeded sample).
    public func evaluate(on split: EvaluationSplit = .test) -> [String: [String: Double]] {
        let z = embeddings()
        return evaluation.evaluate(split == .test ? evaluation.testSets : validationSets.map { $0 },
                                   candidates: [candidateScorer(embeddings: z)]) { r, hyperedges in
            rawScores(relation: r, hyperedges: hyperedges, embeddings: z)
        }
    }

    /// The batched ranking scorer over embeddings `z` and the current parameter values.
    func candidateScorer(embeddings z: [Matrix]) -> CandidateScorer {
        CandidateScorer(embeddings: z, biases: model.encoders.map(\.itemBias.value), members: model.relationMembers,
                        decoders: model.decoders, value: \.value)
    }
}
