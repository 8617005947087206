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

    /// Scores of the first `count` hyperedges given gathered member rows and member biases.
    public func forward(_ gathered: GatheredRows, biases: [[Float]], count: Int, into scores: inout [Float]) {
        for e in 0..<count {
            var b: Float = 0
            for j in 0..<biases.count { b += biases[j][e] }
            scores[e] = b
        }
        if kind == .tuple {
            for e in 0..<count { scores[e] += cp.globalBias.value.storage[0] }
        } else {
            cp.forward(gathered, count: count, addingTo: &scores)
        }
        tuple?.forward(gathered, count: count, addingTo: &scores)
        pairwise?.forward(gathered, count: count, addingTo: &scores)
    }

    /// Accumulates the decoder's parameter gradients and writes `∂G_j` into `gatheredGradients`
    /// (overwritten); the gradient of each member's bias is `g` itself.
    public func backward(_ gathered: GatheredRows, count: Int, scoreGradient g: [Float], gatheredGradients: inout GatheredRows) {
        if kind == .tuple {
            gatheredGradients.rows.fill(0)
            var sum: Float = 0
            for e in 0..<count { sum += g[e] }
            cp.globalBias.gradient.storage[0] += sum
        } else {
            cp.backward(gathered, count: count, scoreGradient: g, gatheredGradients: &gatheredGradients)
        }
        tuple?.backward(gathered, count: count, scoreGradient: g, gatheredGradients: &gatheredGradients)
        pairwise?.backward(gathered, count: count, scoreGradient: g, gatheredGradients: &gatheredGradients)
    }
}
