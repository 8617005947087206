import Foundation

/// Evaluation metrics, computed exactly.
public enum Metrics {
    /// `√(mean (p − y)²)`.
    public static func rootMeanSquaredError(_ predictions: [Float], _ targets: [Float]) -> Double {
        precondition(predictions.count == targets.count && !targets.isEmpty, "rmse: sizes")
        var sum = 0.0
        for (p, y) in zip(predictions, targets) { sum += Double(p - y) * Double(p - y) }
        return (sum / Double(targets.count)).squareRoot()
    }

    /// `mean |p − y|`.
    public static func meanAbsoluteError(_ predictions: [Float], _ targets: [Float]) -> Double {
        precondition(predictions.count == targets.count && !targets.isEmpty, "mae: sizes")
        var sum = 0.0
        for (p, y) in zip(predictions, targets) { sum += Double(abs(p - y)) }
        return sum / Double(targets.count)
    }

    /// Area under the ROC curve: the probability that a positive scores above a negative, ties
    /// counting one half (the Mann–Whitney U statistic, from average ranks over all scores; exact).
    public static func areaUnderROC(positives: [Float], negatives: [Float]) -> Double {
        precondition(!positives.isEmpty && !negatives.isEmpty, "auc: empty class")
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
    public static func averagePrecision(positives: [Float], negatives: [Float]) -> Double {
        precondition(!positives.isEmpty, "aupr: no positive")
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

