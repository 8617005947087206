/// A non-linear hyperedge score: an MLP over the concatenated member embeddings,
/// `s(e) = w₂ · ReLU([G₁[e] | … | G_p[e]] W₁ + b₁) + b₂` (docs/method.md; the "tuple-wise" similarity of
/// DHNE, Tu et al., AAAI 2018). It can score hyperedges that are not products of pairwise affinities.
///
/// Shapes: `W₁` is `(p·d) × hidden`, `w₂` is `hidden × 1`. Its parameters are small and, in sharded
/// training, replicated: every shard sees the same gathered rows and computes the same update.
public struct TupleDecoder: Sendable, CustomStringConvertible {
    public let hidden: Linear
    public let output: Linear

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `order` is below 1, a dimension is negative
    ///   or the weights' element counts overflow.
    public init(order: Int, dimensions: Int, hiddenDimensions: Int, name: String = "tuple",
                using generator: inout SeededGenerator) throws {
        let (width, overflow) = order.multipliedReportingOverflow(by: dimensions)
        guard order >= 1, dimensions >= 0, hiddenDimensions >= 0, !overflow else {
            throw HyperLearnError.invalidArgument(
                "TupleDecoder(order:dimensions:hiddenDimensions:) '\(name)': order \(order) must be ≥ 1, dimensions \(dimensions) and hiddenDimensions \(hiddenDimensions) ≥ 0, and order × dimensions an Int")
        }
        hidden = try Linear(width, hiddenDimensions, name: "\(name).hidden", using: &generator)
        output = try Linear(hiddenDimensions, 1, name: "\(name).output", using: &generator)
    }

    public var parameters: [Parameter] { hidden.parameters + output.parameters }

    public var description: String { "TupleDecoder(\(hidden.inputDimensions) → \(hidden.outputDimensions) → 1)" }
}
