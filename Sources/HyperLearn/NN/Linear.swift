/// A fully connected layer `y = x W + b` (the tuple decoder's layers; the engine computes it with
/// ``TensorOperations/gemm(_:_:transposeA:transposeB:alpha:beta:into:)`` and ``TensorOperations/addBias(_:to:)``).
///
/// Shapes: `x` is `n × inputDimensions`, `W` is `inputDimensions × outputDimensions`, `b` is
/// `1 × outputDimensions`, `y` is `n × outputDimensions`. Weights are Glorot-uniform, the bias zero.
public struct Linear: CustomStringConvertible, Sendable {
    public let weight: Parameter
    public let bias: Parameter?

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when a dimension is negative or the weight's
    ///   element count overflows.
    public init(_ inputDimensions: Int, _ outputDimensions: Int, bias: Bool = true, name: String = "linear",
                using generator: inout SeededGenerator) throws {
        try requireShape("Linear '\(name)': weight", rows: inputDimensions, columns: outputDimensions)
        weight = try Parameter(name: "\(name).weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator)
        self.bias = bias ? Parameter(name: "\(name).bias", value: Matrix(rows: 1, columns: outputDimensions)) : nil
    }

    public var inputDimensions: Int { weight.rows }
    public var outputDimensions: Int { weight.columns }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public var description: String { "Linear(\(inputDimensions), \(outputDimensions))" }
}
