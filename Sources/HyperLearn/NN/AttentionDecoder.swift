/// A hyperedge score from self-attention among its members: the Hyper-SAGNN family (Zhang, Zou & Ma,
/// ICLR 2020), for hyperedges that are not products of pairwise affinities.
///
/// For the member embeddings `x_1 … x_p` of a hyperedge (rows of the gathered member blocks):
/// - a **static** embedding per member, from the member alone: `s_j = tanh(x_j W_s + b_s)`;
/// - a **dynamic** embedding, from the other members through multi-head self-attention:
///   `d_j = tanh(Σ_{l≠j} α_jl (x_l W_v) W_o + b_o)` with `α_j· = softmax_l((x_j W_q)·(x_l W_k) / √(a/H))`
///   per head (``TensorOperations/memberAttention(queries:keys:values:order:heads:)``);
/// - the score adds `(1/p) Σ_j w · (d_j − s_j)² + b` to the hyperedge's logit: a member whose
///   embedding the others predict well (small `d_j − s_j` where `w` weighs it) counts for the tuple.
///
/// Hyper-SAGNN averages `σ(w · (d_j − s_j)² + b)` over the members; here the per-member terms are
/// averaged before the relation's one sigmoid (the logistic loss), so that the term adds to CP's
/// logit (`decoder: cp+attention`) or stands alone (`decoder: attention`). Its reference code also
/// puts position-wise feed-forward blocks and layer norms around both embeddings; this decoder keeps
/// the one layer on each side that defines the static/dynamic contrast. Shapes: `W_s`, `W_q`, `W_k`,
/// `W_v` are `d × a`, `W_o` is `a × a`, `w` is `a × 1`; `a` is split into `H` heads.
public struct AttentionDecoder: Sendable, CustomStringConvertible {
    public let heads: Int
    /// `W_s`, `b_s`: the static embedding.
    public let staticLayer: Linear
    /// `W_q`, `W_k`, `W_v` (no bias).
    public let query: Linear
    public let key: Linear
    public let value: Linear
    /// `W_o`, `b_o`: the dynamic embedding from the attended values.
    public let dynamicLayer: Linear
    /// `w`, `b`: the per-member score of the squared difference.
    public let output: Linear

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `dimensions` or `width` is negative, or
    ///   `heads` is below 1 or does not divide `width`.
    public init(dimensions: Int, width: Int, heads: Int, name: String = "attention", using generator: inout SeededGenerator) throws {
        guard dimensions >= 0, width >= 0, heads >= 1, width % heads == 0 else {
            throw HyperLearnError.invalidArgument(
                "AttentionDecoder(dimensions:width:heads:) '\(name)': dimensions \(dimensions) and width \(width) must be ≥ 0, heads \(heads) ≥ 1 and a divisor of the width")
        }
        self.heads = heads
        staticLayer = try Linear(dimensions, width, name: "\(name).static", using: &generator)
        query = try Linear(dimensions, width, bias: false, name: "\(name).query", using: &generator)
        key = try Linear(dimensions, width, bias: false, name: "\(name).key", using: &generator)
        value = try Linear(dimensions, width, bias: false, name: "\(name).value", using: &generator)
        dynamicLayer = try Linear(width, width, name: "\(name).dynamic", using: &generator)
        output = try Linear(width, 1, name: "\(name).output", using: &generator)
    }

    /// The width `a` of the static and dynamic embeddings.
    public var width: Int { staticLayer.outputDimensions }

    public var parameters: [Parameter] {
        staticLayer.parameters + query.parameters + key.parameters + value.parameters + dynamicLayer.parameters + output.parameters
    }

    public var description: String { "AttentionDecoder(\(staticLayer.inputDimensions) → \(width), \(heads) heads)" }
}
