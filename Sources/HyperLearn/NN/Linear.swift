/// A fully connected layer `y = x W + b`.
///
/// Shapes: `x` is `n × inputDimensions`, `W` is `inputDimensions × outputDimensions`, `b` is
/// `1 × outputDimensions`, `y` is `n × outputDimensions`. Weights are Glorot-uniform, the bias zero.
public struct Linear: CustomStringConvertible, Sendable {
    public let weight: Parameter
    public let bias: Parameter?

    public init(_ inputDimensions: Int, _ outputDimensions: Int, bias: Bool = true, name: String = "linear",
                using generator: inout SeededGenerator) {
        weight = Parameter(name: "\(name).weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator)
        self.bias = bias ? Parameter(name: "\(name).bias", value: Matrix(rows: 1, columns: outputDimensions)) : nil
    }

    public var inputDimensions: Int { weight.value.rows }
    public var outputDimensions: Int { weight.value.columns }
    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Matrix) -> Matrix {
        var y = Matrix.uncheckedProduct(x, weight.value)
        if let bias { y.uncheckedAddRowVector(bias.value) }
        return y
    }

    /// Accumulates `∂W = xᵀ dy`, `∂b = Σ_rows dy`, and returns `∂x = dy Wᵀ`.
    @discardableResult
    public func backward(input x: Matrix, outputGradient dy: Matrix, needsInputGradient: Bool = true) -> Matrix? {
        weight.gradient.uncheckedMultiply(x, dy, transposeA: true, beta: 1)
        if let bias { CPUKernels.accumulateColumnSums(dy, into: &bias.gradient) }
        return needsInputGradient ? Matrix.uncheckedProduct(dy, weight.value, transposeB: true) : nil
    }

    public var description: String { "Linear(\(inputDimensions), \(outputDimensions))" }
}
