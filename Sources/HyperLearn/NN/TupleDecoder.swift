/// A non-linear hyperedge score: an MLP over the concatenated member embeddings,
/// `s(e) = w₂ · ReLU([G₁[e] | … | G_p[e]] W₁ + b₁) + b₂` (docs/method.md; the "tuple-wise" similarity of
/// DHNE, Tu et al., AAAI 2018). It can score hyperedges that are not products of pairwise affinities.
///
/// Shapes: `W₁` is `(p·d) × hidden`, `w₂` is `hidden × 1`. Its parameters are small and, in sharded
/// training, replicated: every shard sees the same gathered rows and computes the same update.
public struct TupleDecoder: Sendable, CustomStringConvertible {
    public let hidden: Linear
    public let output: Linear

    public init(order: Int, dimensions: Int, hiddenDimensions: Int, name: String = "tuple",
                using generator: inout SeededGenerator) {
        hidden = Linear(order * dimensions, hiddenDimensions, name: "\(name).hidden", using: &generator)
        output = Linear(hiddenDimensions, 1, name: "\(name).output", using: &generator)
    }

    public var parameters: [Parameter] { hidden.parameters + output.parameters }

    public var description: String { "TupleDecoder(\(hidden.inputDimensions) → \(hidden.outputDimensions) → 1)" }
}
