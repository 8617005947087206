/// The pairwise-interaction score of a hyperedge `e = (i₁ … i_p)`:
/// `s(e) = Σ_k ν_k Σ_{j<l} Z_{m_j}[i_j, k] Z_{m_l}[i_l, k]`, the second-order term of a factorization
/// machine (Rendle, ICDM 2010) over the members' embeddings.
///
/// CP multiplies all `p` members, so a triple scores well only where every member agrees; the pairwise
/// term also credits a triple whose members are pairwise compatible, which generalises better to
/// triples never seen whole (on DHNE's gps and movielens sets, BENCHMARKS.md). For order 2 it would
/// repeat the CP term, so ``RelationDecoder`` adds it to relations of order 3 or more.
///
/// Backward: `∂ν_k = Σ_e g_e Σ_{j<l} G_j[e,k] G_l[e,k]`, `∂G_j[e,k] = g_e ν_k (Σ_l G_l[e,k] − G_j[e,k])`.
public struct PairwiseDecoder: Sendable, CustomStringConvertible {
    /// `ν`, `1 × d`, initialised to 1 (like CP's `λ`).
    public let weights: Parameter

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `rank` is negative.
    public init(rank: Int, name: String = "pairwise") throws {
        guard rank >= 0 else { throw HyperLearnError.invalidArgument("PairwiseDecoder(rank:) '\(name)': rank \(rank) is negative") }
        weights = Parameter(name: "\(name).nu", value: Matrix(rows: 1, columns: rank, repeating: 1))
    }

    public var parameters: [Parameter] { [weights] }
    public var rank: Int { weights.columns }

    public var description: String { "PairwiseDecoder(rank \(rank))" }
}
