/// The CP (multilinear) score of a hyperedge `e = (i₁ … i_p)`:
/// `s(e) = Σ_k λ_k Π_j Z_{m_j}[i_j, k] + μ_r` (METHOD.md, "Decoder"; the per-item biases are added by
/// ``RelationDecoder``).
///
/// For order 2 this is matrix factorisation of the relation; for order `p` a rank-`d` CP decomposition
/// of its tensor (Hitchcock 1927; Kolda & Bader, SIAM Review 2009).
///
/// Inputs are the gathered member rows `G_j = Z_{m_j}[i_j]` (`count × d` each).
/// Backward: `∂λ_k = Σ_e g_e Π_j G_j[e,k]`, `∂G_m[e,k] = g_e λ_k Π_{j≠m} G_j[e,k]`, `∂μ = Σ_e g_e`.
public struct CPDecoder: Sendable, CustomStringConvertible {
    /// `λ`, `1 × d`, initialised to 1.
    public let weights: Parameter
    /// `μ_r`, `1 × 1`.
    public let globalBias: Parameter

    public init(rank: Int, name: String = "cp") {
        weights = Parameter(name: "\(name).lambda", value: Matrix(rows: 1, columns: rank, repeating: 1))
        globalBias = Parameter(name: "\(name).mu", value: Matrix(rows: 1, columns: 1))
    }

    public var parameters: [Parameter] { [weights, globalBias] }
    public var rank: Int { weights.value.columns }

    /// Adds the CP score of the first `count` hyperedges to `scores`.
    public func forward(_ gathered: [Matrix], count: Int, addingTo scores: inout [Float]) {
        let d = rank, p = gathered.count
        let lambda = weights.value.storage, mu = globalBias.value.storage[0]
        for e in 0..<count {
            var sum: Float = 0
            for k in 0..<d {
                var product = lambda[k]
                for j in 0..<p { product *= gathered[j].storage[e * d + k] }
                sum += product
            }
            scores[e] += sum + mu
        }
    }

    /// Accumulates `∂λ`, `∂μ`, and adds `∂G_j` to `gatheredGradients[j]` for the first `count` rows.
    public func backward(_ gathered: [Matrix], count: Int, scoreGradient g: [Float], gatheredGradients: inout [Matrix]) {
        let d = rank, p = gathered.count
        let lambda = weights.value.storage
        var lambdaGradient = [Double](repeating: 0, count: d)
        var muGradient = 0.0
        var prefix = [Float](repeating: 1, count: p + 1)
        for e in 0..<count {
            let ge = g[e]
            muGradient += Double(ge)
            if ge == 0 { continue }
            for k in 0..<d {
                // Products of all members but one, through prefix and suffix products (no division).
                prefix[0] = 1
                for j in 0..<p { prefix[j + 1] = prefix[j] * gathered[j].storage[e * d + k] }
                lambdaGradient[k] += Double(ge * prefix[p])
                var suffix: Float = 1
                for j in stride(from: p - 1, through: 0, by: -1) {
                    gatheredGradients[j].storage[e * d + k] += ge * lambda[k] * prefix[j] * suffix
                    suffix *= gathered[j].storage[e * d + k]
                }
            }
        }
        for k in 0..<d { weights.gradient.storage[k] += Float(lambdaGradient[k]) }
        globalBias.gradient.storage[0] += Float(muGradient)
    }

    public var description: String { "CPDecoder(rank \(rank))" }
}
