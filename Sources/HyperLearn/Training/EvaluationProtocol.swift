/// The test protocol shared by a ``Trainer``, a loaded ``TrainedModel`` and an ``Ensemble`` of either:
/// the same negatives, the same ranking queries, the same filtering against known positives.
///
/// Regression: `rmse`, `mae`. Link: `auc`/`aupr` against corrupt-one negatives, `auc_random`/
/// `aupr_random` against random tuples (one negative per positive each), `auc_mixed`/`aupr_mixed`
/// against Hyper-SAGNN's published mixture (five per positive, 90% corrupt-one, 10% random), each from
/// a fixed seed and rejecting known positives of train ∪ test (docs/evaluation.md), and for a hidden member (position `e mod p` of hyperedge `e`) the
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
    func evaluate(_ sets: [HyperedgeSet?], candidates: [CandidateScorer] = [], scoring: Scoring) throws -> [String: [String: Double]] {
        var result = [String: [String: Double]]()
        for (r, relation) in dataset.relations.enumerated() {
            guard let set = sets[r], set.count > 0 else { continue }
            switch relation.task {
            case .regression:
                let predicted = clamped(try scoring(r, set), relation: r)
                let targets = set.values ?? []
                result[relation.name] = ["rmse": try Metrics.rootMeanSquaredError(predicted, targets),
                                         "mae": try Metrics.meanAbsoluteError(predicted, targets)]
            case .link:
                result[relation.name] = try linkMetrics(relation: r, positives: set, candidates: candidates, scoring: scoring)
            }
        }
        return result
    }

    func linkMetrics(relation r: Int, positives: HyperedgeSet, candidates: [CandidateScorer] = [],
                     scoring: Scoring) throws -> [String: Double] {
        let relation = dataset.relations[r]
        let relationSizes = relation.members.map { sizes[$0] }
        let positiveScores = try scoring(r, positives)
        let p = positives.order
        let novelScores = (0..<positives.count)
            .filter { !knownTraining[r].contains(positives.members[($0 * p)..<($0 * p + p)]) }
            .map { positiveScores[$0] }
        var metrics = [String: Double]()
        let reportNovel = !novelScores.isEmpty && novelScores.count < positives.count
        if reportNovel { metrics["novel_fraction"] = Double(novelScores.count) / Double(positives.count) }
        // Corrupt-one and random: one negative per positive; mixed (Hyper-SAGNN's published protocol): five.
        for (kind, suffix, seed, perPositive) in [(NegativeProtocol.corruptOne, "", UInt64(1), 1), (.random, "_random", UInt64(2), 1),
                                                  (.mixed, "_mixed", UInt64(4), 5)] {
            var negativeGenerator = SeededGenerator(seed: seed)
            let negatives = sampleNegatives(for: positives, perPositive: perPositive, sizes: relationSizes, protocol: kind,
                                            known: knownAll[r], using: &negativeGenerator)
            let negativeScores = try scoring(r, negatives)
            metrics["auc" + suffix] = try Metrics.areaUnderROC(positives: positiveScores, negatives: negativeScores)
            metrics["aupr" + suffix] = try Metrics.averagePrecision(positives: positiveScores, negatives: negativeScores)
            if reportNovel {
                metrics["auc_novel" + suffix] = try Metrics.areaUnderROC(positives: novelScores, negatives: negativeScores)
            }
        }
        for (name, value) in try rankingMetrics(relation: r, positives: positives, scoring: scoring, candidates: candidates) {
            metrics[name] = value
        }
        return metrics
    }

    /// Filtered ranks of hidden members: every candidate item of the hidden position is scored, known
    /// positives other than the true member are left out, ties count one half. With `candidates` whose
    /// decoders are linear in a member, a block of queries with the same hidden position is scored as one
    /// matrix product (averaged over several scorers: an ensemble); otherwise each query's candidate
    /// hyperedges go through `scoring`.
    func rankingMetrics(relation r: Int, positives: HyperedgeSet, scoring: Scoring,
                        candidates: [CandidateScorer] = []) throws -> [String: Double] {
        let relation = dataset.relations[r]
        let p = relation.order
        var queries = Array(0..<positives.count)
        if queries.count > rankingQueries {
            var sampler = SeededGenerator(seed: 3)
            queries.shuffle(using: &sampler)
            queries = Array(queries.prefix(rankingQueries)).sorted()
        }
        var ranks = [Double](repeating: 0, count: queries.count)
        let linear = !candidates.isEmpty && candidates.allSatisfy { $0.isLinear(relation: r) }
        for hidden in 0..<p {
            let positions = queries.indices.filter { queries[$0] % p == hidden }
            guard !positions.isEmpty else { continue }
            let index = completionIndex(relation: r, hidden: hidden)
            let n = sizes[relation.members[hidden]]
            // Linear decoders: blocks of queries as one product (at most 4M scores, 16 MB, at a time).
            let block = linear ? max(1, (1 << 22) / max(n, 1)) : 1
            for start in stride(from: 0, to: positions.count, by: block) {
                let part = Array(positions[start..<min(start + block, positions.count)])
                let members = part.flatMap { positives.members[(queries[$0] * p)..<(queries[$0] * p + p)] }
                var scores: [Float]
                if linear {
                    var product = candidates[0].scores(relation: r, hidden: hidden, queries: members)!
                    for other in candidates.dropFirst() { product.uncheckedAdd(other.scores(relation: r, hidden: hidden, queries: members)!) }
                    if candidates.count > 1 { product.scale(by: 1 / Float(candidates.count)) }
                    scores = product.storage
                } else {
                    var tuples = [Int32](repeating: 0, count: n * p)
                    for c in 0..<n {
                        for j in 0..<p { tuples[c * p + j] = j == hidden ? Int32(c) : members[j] }
                    }
                    scores = try scoring(r, HyperedgeSet(order: p, uncheckedMembers: tuples))
                }
                for (q, position) in part.enumerated() {
                    ranks[position] = filteredRank(relation: r, query: Array(members[(q * p)..<(q * p + p)]), hidden: hidden,
                                                   scores: scores[(q * n)..<((q + 1) * n)], index: index)
                }
            }
        }
        return Metrics.ranking(ranks: ranks)
    }

    /// Relation `r`'s known positives (training and test) as `(key of the members other than `hidden`,
    /// hidden item)`, sorted: a query's known completions are one contiguous run.
    private func completionIndex(relation r: Int, hidden: Int) -> [(key: UInt64, item: Int32)] {
        let relation = dataset.relations[r], p = relation.order
        var entries = [(key: UInt64, item: Int32)]()
        for set in [relation.train, relation.test].compactMap({ $0 }) {
            entries.reserveCapacity(entries.count + set.count)
            var tuple = [Int32](repeating: 0, count: p)
            for e in 0..<set.count {
                for j in 0..<p { tuple[j] = set.members[e * p + j] }
                let item = tuple[hidden]
                tuple[hidden] = 0
                entries.append((knownAll[r].key(tuple), item))
            }
        }
        entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.item < $1.item }
        return entries
    }

    /// The rank of `query`'s member `hidden` among `scores` (one per candidate item, in item order), leaving
    /// out the candidates that complete a known positive other than the query itself; ties count one half.
    private func filteredRank(relation r: Int, query: [Int32], hidden: Int, scores: ArraySlice<Float>,
                              index: [(key: UInt64, item: Int32)]) -> Double {
        let base = scores.startIndex, truth = Int(query[hidden])
        let trueScore = scores[base + truth]
        var above = 0.0, ties = 0.0
        for s in scores where s >= trueScore {
            if s > trueScore { above += 1 } else { ties += 1 }
        }
        ties -= 1  // the true member itself
        // The known completions (checked against the known set, so that a key collision cannot exclude).
        var tuple = query
        tuple[hidden] = 0
        let key = knownAll[r].key(tuple)
        var low = 0, high = index.count
        while low < high {
            let mid = (low + high) / 2
            if index[mid].key < key { low = mid + 1 } else { high = mid }
        }
        var previous: Int32 = -1
        while low < index.count && index[low].key == key {
            let c = index[low].item
            low += 1
            guard c != previous, Int(c) != truth else { continue }
            previous = c
            tuple[hidden] = c
            guard knownAll[r].contains(tuple) else { continue }
            let s = scores[base + Int(c)]
            if s > trueScore { above -= 1 } else if s == trueScore { ties -= 1 }
        }
        return 1 + above + ties / 2
    }
}

/// Raw scores of hyperedges of relation `r`.
typealias Scoring = (_ relation: Int, _ hyperedges: HyperedgeSet) throws -> [Float]
