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
        // The trainer's own splits are checked at creation: every set evaluated is non-empty, valued where
        // its relation is, and scored one value per hyperedge, so no metric refuses them (an error here is
        // a library bug, as a failed CPU evaluation is in `evaluating`).
        do {
            return try evaluate(on: split, checkedEmbeddings: embeddings())
        } catch {
            preconditionFailure("evaluating the trainer's own \(split) split cannot fail: \(error)")
        }
    }

    /// ``evaluate(on:)`` from embeddings the caller already has (``embeddings()``): a run that
    /// evaluates both splits and exports runs the encoders once, not once per use.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when they do not fit the modalities.
    public func evaluate(on split: EvaluationSplit, embeddings z: [Matrix]) throws -> [String: [String: Double]] {
        try checkEmbeddings(z, operation: "evaluate")
        return try evaluate(on: split, checkedEmbeddings: z)
    }

    private func evaluate(on split: EvaluationSplit, checkedEmbeddings z: [Matrix]) throws -> [String: [String: Double]] {
        // A count term must not count the split it scores: the validation split reads the fit's counts alone.
        try evaluation.evaluate(split == .test ? evaluation.testSets : validationSets.map { $0 },
                                candidates: [candidateScorer(embeddings: z, validationCounted: split == .test)]) { r, hyperedges in
            rawScores(relation: r, hyperedges: hyperedges, embeddings: z, validationCounted: split == .test)
        }
    }

    /// The batched ranking scorer over embeddings `z` and the current parameter values; a count term
    /// counts the fit split, and the validation split too when `validationCounted` (test scores).
    func candidateScorer(embeddings z: [Matrix], validationCounted: Bool = true) -> CandidateScorer {
        let counted = dataset.relations.indices.map { r -> (tables: [HyperedgeCounts], sets: [HyperedgeSet])? in
            let tables = countTables(relation: r, includingValidation: validationCounted)
            guard !tables.isEmpty else { return nil }
            return (tables, validationCounted ? [trainingSets[r], validationSets[r]] : [trainingSets[r]])
        }
        return CandidateScorer(embeddings: z, biases: model.encoders.map(\.itemBias.value), members: model.relationMembers,
                               decoders: model.decoders, value: \.value, counted: counted)
    }
}
