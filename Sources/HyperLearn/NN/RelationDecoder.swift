/// Which score a relation's decoder computes.
public enum DecoderKind: String, Sendable, Codable, CaseIterable {
    /// The CP score (``CPDecoder``); the default.
    case cp
    /// The MLP over concatenated members (``TupleDecoder``).
    case tuple
    /// The sum of both.
    case cpTuple = "cp+tuple"
    /// Self-attention among the members (``AttentionDecoder``, the Hyper-SAGNN family).
    case attention
    /// CP plus attention.
    case cpAttention = "cp+attention"

    /// Whether the CP product takes part in the score (the global bias `μ` always does).
    public var includesCP: Bool { self == .cp || self == .cpTuple || self == .cpAttention }
    public var includesTuple: Bool { self == .tuple || self == .cpTuple }
    public var includesAttention: Bool { self == .attention || self == .cpAttention }
}

/// The decoder of one relation: CP, tuple and/or attention score, optionally the pairwise interactions
/// and the count features, plus the members' per-item biases
/// `s(e) = CP(e) + MLP(e) + ATT(e) + FM₂(e) + COUNT(e) + Σ_j b_{m_j}[i_j]`.
public struct RelationDecoder: Sendable {
    public let kind: DecoderKind
    public let cp: CPDecoder
    public let tuple: TupleDecoder?
    public let attention: AttentionDecoder?
    /// Present when pairwise interactions are asked for and the relation has order 3 or more.
    public let pairwise: PairwiseDecoder?
    /// Present when count features are asked for (link relations: ``TrainingConfiguration/countFeatures``).
    public let counts: CountDecoder?

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when a part's sizes are invalid (``CPDecoder``,
    ///   ``TupleDecoder``, ``AttentionDecoder``, ``PairwiseDecoder``, ``CountDecoder``).
    public init(kind: DecoderKind, order: Int, dimensions: Int, tupleHiddenDimensions: Int,
                attentionDimensions: Int = 64, attentionHeads: Int = 4,
                pairwiseInteractions: Bool = false, countFeatures: Bool = false, countHiddenDimensions: Int = 32,
                name: String, using generator: inout SeededGenerator) throws {
        self.kind = kind
        cp = try CPDecoder(rank: dimensions, name: "\(name).cp")
        tuple = kind.includesTuple
            ? try TupleDecoder(order: order, dimensions: dimensions, hiddenDimensions: tupleHiddenDimensions,
                           name: "\(name).tuple", using: &generator) : nil
        attention = kind.includesAttention
            ? try AttentionDecoder(dimensions: dimensions, width: attentionDimensions, heads: attentionHeads,
                               name: "\(name).attention", using: &generator) : nil
        pairwise = pairwiseInteractions && order >= 3 ? try PairwiseDecoder(rank: dimensions, name: "\(name).pairwise") : nil
        // Drawn last, so that the other parts start as they do without it.
        counts = countFeatures
            ? try CountDecoder(order: order, hiddenDimensions: countHiddenDimensions, name: "\(name).counts", using: &generator) : nil
    }

    /// The CP parameters take part in the score unless the decoder has no CP term (then only `μ` does).
    public var parameters: [Parameter] {
        (kind.includesCP ? cp.parameters : [cp.globalBias]) + (tuple?.parameters ?? []) + (attention?.parameters ?? [])
            + (pairwise?.parameters ?? []) + (counts?.parameters ?? [])
    }
}
