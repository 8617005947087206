import Foundation

/// Evaluation metrics, computed exactly.
public enum Metrics {
    /// `√(mean (p − y)²)`.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the arrays are empty or differ in length.
    public static func rootMeanSquaredError(_ predictions: [Float], _ targets: [Float]) throws -> Double {
        try requirePairs("rootMeanSquaredError", predictions, targets)
        var sum = 0.0
        for (p, y) in zip(predictions, targets) { sum += Double(p - y) * Double(p - y) }
        return (sum / Double(targets.count)).squareRoot()
    }

    /// `mean |p − y|`.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the arrays are empty or differ in length.
    public static func meanAbsoluteError(_ predictions: [Float], _ targets: [Float]) throws -> Double {
        try requirePairs("meanAbsoluteError", predictions, targets)
        var sum = 0.0
        for (p, y) in zip(predictions, targets) { sum += Double(abs(p - y)) }
        return sum / Double(targets.count)
    }

    /// Area under the ROC curve: the probability that a positive scores above a negative, ties
    /// counting one half (the Mann–Whitney U statistic, from average ranks over all scores; exact).
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when either class is empty (the AUC is undefined).
    public static func areaUnderROC(positives: [Float], negatives: [Float]) throws -> Double {
        guard !positives.isEmpty && !negatives.isEmpty else {
            throw HyperLearnError.invalidArgument(
                "areaUnderROC: \(positives.count) positive and \(negatives.count) negative scores; both classes need at least one")
        }
        let all = positives.map { ($0, true) } + negatives.map { ($0, false) }
        let order = all.indices.sorted { all[$0].0 < all[$1].0 }
        var rankSumPositives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && all[order[j + 1]].0 == all[order[i]].0 { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where all[order[k]].1 { rankSumPositives += averageRank }
            i = j + 1
        }
        let np = Double(positives.count), nn = Double(negatives.count)
        return (rankSumPositives - np * (np + 1) / 2) / (np * nn)
    }

    /// Area under the precision–recall curve as average precision: `Σ_k P(k) · Δrecall(k)` over the
    /// scores in decreasing order; tied scores form one threshold.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` without positives (the recall is undefined).
    public static func averagePrecision(positives: [Float], negatives: [Float]) throws -> Double {
        guard !positives.isEmpty else {
            throw HyperLearnError.invalidArgument("averagePrecision: no positive score (\(negatives.count) negative); at least one is needed")
        }
        let all = positives.map { ($0, true) } + negatives.map { ($0, false) }
        let order = all.indices.sorted { all[$0].0 > all[$1].0 }
        var truePositives = 0, seen = 0
        var ap = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && all[order[j + 1]].0 == all[order[i]].0 { j += 1 }
            var newPositives = 0
            for k in i...j where all[order[k]].1 { newPositives += 1 }
            truePositives += newPositives
            seen += j - i + 1
            ap += Double(newPositives) / Double(positives.count) * Double(truePositives) / Double(seen)
            i = j + 1
        }
        return ap
    }

    /// Throws unless `predictions` and `targets` are non-empty and pair up one to one.
    private static func requirePairs(_ function: String, _ predictions: [Float], _ targets: [Float]) throws {
        guard predictions.count == targets.count && !targets.isEmpty else {
            throw HyperLearnError.invalidArgument(
                "\(function): \(predictions.count) predictions for \(targets.count) targets; one per target, at least one, is needed")
        }
    }

    /// Ranking metrics for hidden-member queries from the 1-based ranks of the true members.
    public static func ranking(ranks: [Double], cutoffs: [Int] = [1, 10, 50]) -> [String: Double] {
        guard !ranks.isEmpty else { return [:] }
        let n = Double(ranks.count)
        var result = ["mrr": ranks.reduce(0) { $0 + 1 / $1 } / n]
        for k in cutoffs {
            result["recall@\(k)"] = Double(ranks.filter { $0 <= Double(k) }.count) / n
            result["ndcg@\(k)"] = ranks.reduce(0) { $0 + ($1 <= Double(k) ? 1 / log2($1 + 1) : 0) } / n
        }
        return result
    }
}

