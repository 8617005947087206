import Foundation

/// Squared error `Σ_e (s_e − y_e)² / normalizer` and its gradient `2 (s_e − y_e) / normalizer`
/// (valued relations, docs/method.md "Losses").
public func squaredErrorLoss(scores: ArraySlice<Float>, targets: ArraySlice<Float>, normalizer: Float,
                             gradient: inout [Float]) -> Double {
    var loss = 0.0
    for (offset, (s, y)) in zip(scores, targets).enumerated() {
        let r = s - y
        loss += Double(r * r)
        gradient[offset] = 2 * r / normalizer
    }
    return loss / Double(normalizer)
}

/// Logistic loss `Σ_e softplus(−s_e)` on positives (`label` true) or `Σ_e softplus(s_e)` on negatives,
/// divided by `normalizer`; the gradient is `(σ(s_e) − label) / normalizer` (unvalued relations).
public func logisticLoss(scores: ArraySlice<Float>, label: Bool, normalizer: Float, gradient: inout [Float]) -> Double {
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

/// The intra-modal smoothness term `γ tr(Zᵀ L Z) / n` with `L = I − P`, and its gradient
/// `2γ (Z − P Z) / n` (P symmetric) added to `gradient`. Neighbours in the modality's graph or
/// hypergraph are pulled together.
public func smoothnessLoss(_ z: Matrix, propagation: any Propagation, weight gamma: Float, gradient: inout Matrix) -> Double {
    let pz = propagation.apply(z)
    let n = Float(max(z.rows, 1))
    let value = Double(gamma) * (z.squaredNorm - z.uncheckedDot(pz)) / Double(n)
    gradient.uncheckedAdd(z, scaledBy: 2 * gamma / n)
    gradient.uncheckedAdd(pz, scaledBy: -2 * gamma / n)
    return value
}
