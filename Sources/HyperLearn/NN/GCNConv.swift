/// A graph convolution `Y = P (X W) + X W_root + b` over a symmetric propagation `P`; the root
/// (self) term is optional.
///
/// With `P = D^{-1/2}(A + I)D^{-1/2}` (``NormalizedAdjacency``) this is the GCN layer of Kipf & Welling
/// (ICLR 2017); with ``HypergraphPropagation`` it is the HGNN hypergraph convolution of Feng et al.
/// (AAAI 2019); with no propagation (`nil`) it is a ``Linear`` layer.
///
/// The root weight (PyG's `lin_root` in `GraphConv`; Morris et al., AAAI 2019) lets an item keep a
/// part of its own signal that the propagation does not average away: a deep GCN otherwise low-passes
/// its output (Li, Han & Wu, AAAI 2018).
///
/// Shapes: `X` is `n × inputDimensions`, `P` is `n × n`, `Y` is `n × outputDimensions`.
/// Backward: `∂T = P ∂Y` (`P` is symmetric), `∂W = Xᵀ ∂T`, `∂W_root = Xᵀ ∂Y`,
/// `∂X = ∂T Wᵀ + ∂Y W_rootᵀ`, `∂b = Σ_rows ∂Y`.
public struct GCNConv: CustomStringConvertible, Sendable {
    public let weight: Parameter
    public let bias: Parameter
    public let rootWeight: Parameter?
    public let propagation: (any Propagation)?

    public init(_ inputDimensions: Int, _ outputDimensions: Int, propagation: (any Propagation)?,
                rootWeight: Bool = false, name: String = "conv", using generator: inout SeededGenerator) {
        weight = Parameter(name: "\(name).weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator)
        bias = Parameter(name: "\(name).bias", value: Matrix(rows: 1, columns: outputDimensions))
        self.rootWeight = rootWeight && propagation != nil
            ? Parameter(name: "\(name).root_weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator) : nil
        self.propagation = propagation
    }

    public var parameters: [Parameter] { [weight, bias] + (rootWeight.map { [$0] } ?? []) }

    public func callAsFunction(_ x: Matrix) -> Matrix {
        var y = propagateAddingBias(Matrix.uncheckedProduct(x, weight.value), bias: bias, propagation: propagation)
        if let rootWeight { y.uncheckedMultiply(x, rootWeight.value, beta: 1) }
        return y
    }

    /// Accumulates the parameter gradients and returns `∂X` (when asked).
    @discardableResult
    public func backward(input x: Matrix, outputGradient dy: Matrix, needsInputGradient: Bool = true) -> Matrix? {
        CPUKernels.accumulateColumnSums(dy, into: &bias.gradient)
        let dt = propagation?.apply(dy) ?? dy
        weight.gradient.uncheckedMultiply(x, dt, transposeA: true, beta: 1)
        if let rootWeight { rootWeight.gradient.uncheckedMultiply(x, dy, transposeA: true, beta: 1) }
        guard needsInputGradient else { return nil }
        var dx = Matrix.uncheckedProduct(dt, weight.value, transposeB: true)
        if let rootWeight { dx.uncheckedMultiply(dy, rootWeight.value, transposeB: true, beta: 1) }
        return dx
    }

    public var description: String {
        "GCNConv(\(weight.value.rows), \(weight.value.columns)\(rootWeight == nil ? "" : ", root"))"
    }
}

/// `P t + b` (or `t + b` without propagation): the part of a graph convolution after its product.
func propagateAddingBias(_ t: Matrix, bias: Parameter, propagation: (any Propagation)?) -> Matrix {
    var y = propagation?.apply(t) ?? t
    y.uncheckedAddRowVector(bias.value)
    return y
}
