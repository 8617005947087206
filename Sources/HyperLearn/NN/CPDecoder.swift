/// The CP (multilinear) score of a hyperedge `e = (i₁ … i_p)`:
/// `s(e) = Σ_k λ_k Π_j Z_{m_j}[i_j, k] + μ_r` (docs/method.md, "Decoder"; the per-item biases are added by
/// ``RelationDecoder``).
///
/// For order 2 this is matrix factorisation of the relation; for order `p` a rank-`d` CP decomposition
/// of its tensor (Hitchcock 1927; Kolda & Bader, SIAM Review 2009).
///
/// Inputs are the gathered member rows `G_j = Z_{m_j}[i_j]`, as member blocks
/// (``TensorOperations/addCPScores(_:order:lambda:mu:to:)``, ``TensorOperations/cpGradient(_:order:lambda:upstream:into:lambdaGradient:)``).
/// Backward: `∂λ_k = Σ_e g_e Π_j G_j[e,k]`, `∂G_m[e,k] = g_e λ_k Π_{j≠m} G_j[e,k]`, `∂μ = Σ_e g_e`.
public struct CPDecoder: Sendable, CustomStringConvertible {
    /// `λ`, `1 × d`, initialised to 1.
    public let weights: Parameter
    /// `μ_r`, `1 × 1`.
    public let globalBias: Parameter

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `rank` is negative.
    public init(rank: Int, name: String = "cp") throws {
        guard rank >= 0 else { throw HyperLearnError.invalidArgument("CPDecoder(rank:) '\(name)': rank \(rank) is negative") }
        weights = Parameter(name: "\(name).lambda", value: Matrix(rows: 1, columns: rank, repeating: 1))
        globalBias = Parameter(name: "\(name).mu", value: Matrix(rows: 1, columns: 1))
    }

    public var parameters: [Parameter] { [weights, globalBias] }
    public var rank: Int { weights.columns }

    public var description: String { "CPDecoder(rank \(rank))" }
}
