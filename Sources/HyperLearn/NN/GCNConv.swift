/// A graph convolution `Y = P (X W) + b` over a symmetric propagation `P`.
///
/// With `P = D^{-1/2}(A + I)D^{-1/2}` (``NormalizedAdjacency``) this is the GCN layer of Kipf & Welling
/// (ICLR 2017); with ``HypergraphPropagation`` it is the HGNN hypergraph convolution of Feng et al.
/// (AAAI 2019); with no propagation (`nil`) it is a ``Linear`` layer.
///
/// Shapes: `X` is `n × inputDimensions`, `P` is `n × n`, `Y` is `n × outputDimensions`.
/// Backward: `∂T = P ∂Y` (`P` is symmetric), `∂W = Xᵀ ∂T`, `∂X = ∂T Wᵀ`, `∂b = Σ_rows ∂Y`.
public struct GCNConv: CustomStringConvertible, Sendable {
    public let weight: Parameter
    public let bias: Parameter
    public let propagation: (any Propagation)?

    public init(_ inputDimensions: Int, _ outputDimensions: Int, propagation: (any Propagation)?,
                name: String = "conv", using generator: inout SeededGenerator) {
        weight = Parameter(name: "\(name).weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator)
        bias = Parameter(name: "\(name).bias", value: Matrix(rows: 1, columns: outputDimensions))
        self.propagation = propagation
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ x: Matrix) -> Matrix {
        propagateAddingBias(Matrix.product(x, weight.value), bias: bias, propagation: propagation)
    }

    /// Accumulates the parameter gradients and returns `∂X` (when asked).
    @discardableResult
    public func backward(input x: Matrix, outputGradient dy: Matrix, needsInputGradient: Bool = true) -> Matrix? {
        CPUKernels.accumulateColumnSums(dy, into: &bias.gradient)
        let dt = propagation?.apply(dy) ?? dy
        weight.gradient.multiply(x, dt, transposeA: true, beta: 1)
        return needsInputGradient ? Matrix.product(dt, weight.value, transposeB: true) : nil
    }

    public var description: String { "GCNConv(\(weight.value.rows), \(weight.value.columns))" }
}

/// `P t + b` (or `t + b` without propagation): the part of a graph convolution after its product.
func propagateAddingBias(_ t: Matrix, bias: Parameter, propagation: (any Propagation)?) -> Matrix {
    var y = propagation?.apply(t) ?? t
    y.addRowVector(bias.value)
    return y
}
