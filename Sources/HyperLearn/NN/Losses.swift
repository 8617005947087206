import Foundation

/// Squared error `Σ_e (s_e − y_e)² / normalizer` and its gradient `2 (s_e − y_e) / normalizer`
/// (valued relations, docs/method.md "Losses"), written to `gradient[0 ..< scores.count]`.
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `targets` does not hold one target per score
///   or `gradient` is shorter than `scores`.
public func squaredErrorLoss(scores: ArraySlice<Float>, targets: ArraySlice<Float>, normalizer: Float,
                             gradient: inout [Float]) throws -> Double {
    guard targets.count == scores.count, gradient.count >= scores.count else {
        throw HyperLearnError.invalidArgument(
            "squaredErrorLoss: \(scores.count) scores, \(targets.count) targets and \(gradient.count) gradient slots; one target and one slot per score are needed")
    }
    var loss = 0.0
    for (offset, (s, y)) in zip(scores, targets).enumerated() {
        let r = s - y
        loss += Double(r * r)
        gradient[offset] = 2 * r / normalizer
    }
    return loss / Double(normalizer)
}

/// Logistic loss `Σ_e softplus(−s_e)` on positives (`label` true) or `Σ_e softplus(s_e)` on negatives,
/// divided by `normalizer`; the gradient is `(σ(s_e) − label) / normalizer` (unvalued relations), written
/// to `gradient[0 ..< scores.count]`.
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `gradient` is shorter than `scores`.
public func logisticLoss(scores: ArraySlice<Float>, label: Bool, normalizer: Float, gradient: inout [Float]) throws -> Double {
    guard gradient.count >= scores.count else {
        throw HyperLearnError.invalidArgument("logisticLoss: \(gradient.count) gradient slots for \(scores.count) scores")
    }
    var loss = 0.0
    for (offset, s) in scores.enumerated() {
        let z = label ? -s : s
        // softplus(z) = max(z, 0) + log1p(exp(-|z|)), stable for large |z|.
        loss += Double(max(z, 0)) + log1p(exp(-Double(abs(z))))
        let sigma = 1 / (1 + exp(-s))
        gradient[offset] = (sigma - (label ? 1 : 0)) / normalizer
    }
    return loss / Double(normalizer)
}
