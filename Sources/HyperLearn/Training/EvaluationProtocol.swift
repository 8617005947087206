/// The test protocol shared by a ``Trainer``, a loaded ``TrainedModel`` and an ``Ensemble`` of either:
/// the same negatives, the same ranking queries, the same filtering against known positives.
///
/// Regression: `rmse`, `mae`. Link: `auc`/`aupr` against corrupt-one negatives, `auc_random`/
/// `aupr_random` against random tuples (one negative per positive each, from a fixed seed, rejecting
/// known positives of train ∪ test), and for a hidden member (position `e mod p` of hyperedge `e`) the
/// filtered rank among all items of its modality: `mrr`, `recall@K`, `ndcg@K`. Where some test
/// positives repeat a training hyperedge (DHNE's `drug`), also `novel_fraction` (the share that does
/// not) and `auc_novel`/`auc_novel_random`: the AUC of those novel positives alone against the same
/// negatives, which tells generalisation apart from memorisation.
struct EvaluationProtocol: Sendable {
    /// Modalities (their sizes) and relations (members, task, training and test hyperedges).
    let dataset: Dataset
    let sizes: [Int]
    /// Known positives of each relation: training (validation included), and training ∪ test.
    let knownTraining: [HyperedgeKeys]
    let knownAll: [HyperedgeKeys]
    /// Value range of each regression relation's training targets (predictions are clamped to it).
    let valueRanges: [ClosedRange<Float>?]
    /// At most this many hidden-member queries are ranked (a seeded sample).
    let rankingQueries: Int

    init(dataset: Dataset, valueRanges: [ClosedRange<Float>?], rankingQueries: Int) {
        self.dataset = dataset
        sizes = dataset.modalities.map(\.count)
        var knownTraining = [HyperedgeKeys](), knownAll = [HyperedgeKeys]()
        for relation in dataset.relations {
            var keys = HyperedgeKeys(sizes: relation.members.map { dataset.modalities[$0].count })
            keys.insert(relation.train)
            knownTraining.append(keys)
            if let test = relation.test { keys.insert(test) }
            knownAll.append(keys)
        }
        self.knownTraining = knownTraining
        self.knownAll = knownAll
        self.valueRanges = valueRanges
        self.rankingQueries = rankingQueries
    }

    /// The range of each regression relation's training targets.
    static func valueRanges(of dataset: Dataset) -> [ClosedRange<Float>?] {
        dataset.relations.map { relation in
            guard relation.task == .regression, let values = relation.train.values,
                  let low = values.min(), let high = values.max() else { return nil }
            return low...high
        }
    }

    /// Raw scores of relation `r` clamped to its training targets' range (unchanged without targets).
    func clamped(_ raw: [Float], relation r: Int) -> [Float] {
        guard let range = valueRanges[r] else { return raw }
        return raw.map { min(max($0, range.lowerBound), range.upperBound) }
    }

    /// The test hyperedges of every relation.
    var testSets: [HyperedgeSet?] { dataset.relations.map(\.test) }

    /// Metrics of relation `r`'s hyperedges `sets[r]` (skipped where `nil` or empty) for any scoring,
    /// `scoring(r, hyperedges)` giving raw scores (regression ones are clamped here).
    func evaluate(_ sets: [HyperedgeSet?], scoring: Scoring) -> [String: [String: Double]] {
        var result = [String: [String: Double]]()
        for (r, relation) in dataset.relations.enumerated() {
            guard let set = sets[r], set.count > 0 else { continue }
            switch relation.task {
            case .regression:
                let predicted = clamped(scoring(r, set), relation: r)
                let targets = set.values ?? []
                result[relation.name] = ["rmse": Metrics.rootMeanSquaredError(predicted, targets),
                                         "mae": Metrics.meanAbsoluteError(predicted, targets)]
            case .link:
                result[relation.name] = linkMetrics(relation: r, positives: set, scoring: scoring)
            }
        }
        return result
    }

    func linkMetrics(relation r: Int, positives: HyperedgeSet, scoring: Scoring) -> [String: Double] {
        let relation = dataset.relations[r]
        let relationSizes = relation.members.map { sizes[$0] }
        let positiveScores = scoring(r, positives)
        let p = positives.order
        let novelScores = (0..<positives.count)
            .filter { !knownTraining[r].contains(positives.members[($0 * p)..<($0 * p + p)]) }
            .map { positiveScores[$0] }
        var metrics = [String: Double]()
        let reportNovel = !novelScores.isEmpty && novelScores.count < positives.count
        if reportNovel { metrics["novel_fraction"] = Double(novelScores.count) / Double(positives.count) }
        for (kind, suffix, seed) in [(NegativeProtocol.corruptOne, "", UInt64(1)), (.random, "_random", UInt64(2))] {
            var negativeGenerator = SeededGenerator(seed: seed)
            let negatives = sampleNegatives(for: positives, perPositive: 1, sizes: relationSizes, protocol: kind,
                                            known: knownAll[r], using: &negativeGenerator)
            let negativeScores = scoring(r, negatives)
            metrics["auc" + suffix] = Metrics.areaUnderROC(positives: positiveScores, negatives: negativeScores)
            metrics["aupr" + suffix] = Metrics.averagePrecision(positives: positiveScores, negatives: negativeScores)
            if reportNovel {
                metrics["auc_novel" + suffix] = Metrics.areaUnderROC(positives: novelScores, negatives: negativeScores)
            }
        }
        for (name, value) in rankingMetrics(relation: r, positives: positives, scoring: scoring) { metrics[name] = value }
        return metrics
    }

    /// Filtered ranks of hidden members: every candidate item of the hidden position is scored, known
    /// positives other than the true member are left out, ties count one half.
    func rankingMetrics(relation r: Int, positives: HyperedgeSet, scoring: Scoring) -> [String: Double] {
        let relation = dataset.relations[r]
        let p = relation.order
        var queries = Array(0..<positives.count)
        if queries.count > rankingQueries {
            var sampler = SeededGenerator(seed: 3)
            queries.shuffle(using: &sampler)
            queries = Array(queries.prefix(rankingQueries)).sorted()
        }
        var ranks = [Double]()
        ranks.reserveCapacity(queries.count)
        for e in queries {
            let hidden = e % p
            let m = relation.members[hidden]
            let n = sizes[m]
            var candidates = [Int32](repeating: 0, count: n * p)
            for c in 0..<n {
                for j in 0..<p { candidates[c * p + j] = j == hidden ? Int32(c) : positives.members[e * p + j] }
            }
            let candidateScores = scoring(r, HyperedgeSet(order: p, uncheckedMembers: candidates))
            let truth = Int(positives.members[e * p + hidden])
            let trueScore = candidateScores[truth]
            var above = 0.0, ties = 0.0
            for c in 0..<n where c != truth {
                let s = candidateScores[c]
                if s < trueScore { continue }
                if knownAll[r].contains(candidates[(c * p)..<(c * p + p)]) { continue }
                if s > trueScore { above += 1 } else { ties += 1 }
            }
            ranks.append(1 + above + ties / 2)
        }
        return Metrics.ranking(ranks: ranks)
    }
}

/// Raw scores of hyperedges of relation `r`.
typealias Scoring = (_ relation: Int, _ hyperedges: HyperedgeSet) -> [Float]
