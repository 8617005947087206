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

    /// - Parameter propagated: whether the layer has a propagation `P` (the root weight needs one); `P`
    ///   itself is an input of each forward pass.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when a dimension is negative or the weight's
    ///   element count overflows.
    public init(_ inputDimensions: Int, _ outputDimensions: Int, propagated: Bool,
                rootWeight: Bool = false, name: String = "conv", using generator: inout SeededGenerator) throws {
        try requireShape("GCNConv '\(name)': weight", rows: inputDimensions, columns: outputDimensions)
        weight = try Parameter(name: "\(name).weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator)
        bias = Parameter(name: "\(name).bias", value: Matrix(rows: 1, columns: outputDimensions))
        self.rootWeight = rootWeight && propagated
            ? try Parameter(name: "\(name).root_weight", glorotRows: inputDimensions, columns: outputDimensions, using: &generator) : nil
    }

    public var parameters: [Parameter] { [weight, bias] + (rootWeight.map { [$0] } ?? []) }

    public var description: String {
        "GCNConv(\(weight.value.rows), \(weight.value.columns)\(rootWeight == nil ? "" : ", root"))"
    }
}
