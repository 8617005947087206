/// Which score a relation's decoder computes.
public enum DecoderKind: String, Sendable, Codable, CaseIterable {
    /// The CP score (``CPDecoder``); the default.
    case cp
    /// The MLP over concatenated members (``TupleDecoder``).
    case tuple
    /// The sum of both.
    case cpTuple = "cp+tuple"
}

/// The decoder of one relation: CP and/or tuple score, optionally the pairwise interactions, plus the
/// members' per-item biases `s(e) = CP(e) + MLP(e) + FM₂(e) + Σ_j b_{m_j}[i_j]`.
public struct RelationDecoder: Sendable {
    public let kind: DecoderKind
    public let cp: CPDecoder
    public let tuple: TupleDecoder?
    /// Present when pairwise interactions are asked for and the relation has order 3 or more.
    public let pairwise: PairwiseDecoder?

    public init(kind: DecoderKind, order: Int, dimensions: Int, tupleHiddenDimensions: Int,
                pairwiseInteractions: Bool = false, name: String, using generator: inout SeededGenerator) {
        self.kind = kind
        cp = CPDecoder(rank: dimensions, name: "\(name).cp")
        tuple = kind == .cp ? nil
            : TupleDecoder(order: order, dimensions: dimensions, hiddenDimensions: tupleHiddenDimensions,
                           name: "\(name).tuple", using: &generator)
        pairwise = pairwiseInteractions && order >= 3 ? PairwiseDecoder(rank: dimensions, name: "\(name).pairwise") : nil
    }

    /// The CP parameters take part in the score unless the decoder is tuple-only (then only `μ` does).
    public var parameters: [Parameter] {
        (kind == .tuple ? [cp.globalBias] : cp.parameters) + (tuple?.parameters ?? []) + (pairwise?.parameters ?? [])
    }
}
