/// The encoder of one modality: `H⁰ = [E | X | B]`, `H^{l+1} = σ(P H^l W^l + b^l)`, `Z = H^L` (no σ on
/// the last layer), with dropout after each hidden ReLU (docs/method.md, "Encoder, one per modality").
///
/// `E` is a learned table (`n × d₀`), `X` dense features, `B` sparse input features (for example the
/// modality's incidence with the other modalities). The first layer multiplies each input part by its
/// own block of `W⁰` (so `B W⁰_B` is a sparse × dense product) and sums them before propagating.
/// The encoder also owns the modality's per-item score bias, so that everything one modality needs
/// lives in one place (the unit a shard owns).
public final class ModalityEncoder: @unchecked Sendable, CustomStringConvertible {
    public let name: String
    public let count: Int
    public let table: Parameter?
    public let features: Matrix?
    public let sparseFeatures: SparseMatrix?
    let sparseFeaturesTransposed: SparseMatrix?
    /// First-layer weights for the table, the features and the sparse features.
    public let tableWeight: Parameter?
    public let featureWeight: Parameter?
    public let sparseWeight: Parameter?
    public let firstBias: Parameter
    /// First-layer root weight on the table (`E W_root`, not propagated), when enabled.
    public let tableRootWeight: Parameter?
    /// Layers 1…L-1.
    public let convolutions: [GCNConv]
    public let propagation: (any Propagation)?
    public let dropout: Float
    /// Per-item score bias `b_m` (`n × 1`).
    public let itemBias: Parameter

    /// - Parameters:
    ///   - layerDimensions: output width of each layer; the last is the embedding dimension `d`.
    ///   - tableDimensions: width `d₀` of the learned table (0: none, features only).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `count`, `tableDimensions` or a layer's width
    ///   is negative, there is no layer or no input (no table, features or sparse features), the features
    ///   or the propagation do not have one row per item, or `dropout` is outside `[0, 1)`.
    public init(name: String, count: Int, features: Matrix?, sparseFeatures: SparseMatrix?,
                propagation: (any Propagation)?, tableDimensions: Int, layerDimensions: [Int], dropout: Float,
                rootWeight: Bool = false, using generator: inout SeededGenerator) throws {
        func check(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw HyperLearnError.invalidArgument("ModalityEncoder '\(name)': \(message())") }
        }
        try check(count >= 0, "negative item count \(count)")
        try check(!layerDimensions.isEmpty && layerDimensions.allSatisfy { $0 >= 0 },
                  "layer widths \(layerDimensions); at least one layer, each of width ≥ 0, is needed")
        try check(tableDimensions >= 0, "negative table width \(tableDimensions)")
        try check(tableDimensions > 0 || features != nil || sparseFeatures != nil, "no input: no table, features or sparse features")
        try check(features.map { $0.rows == count } ?? true, "\(features?.rows ?? 0) feature rows for \(count) items")
        try check(sparseFeatures.map { $0.rows == count } ?? true, "\(sparseFeatures?.rows ?? 0) sparse feature rows for \(count) items")
        try check(propagation.map { $0.count == count } ?? true, "a propagation over \(propagation?.count ?? 0) items for \(count)")
        try check(dropout >= 0 && dropout < 1, "dropout \(dropout) is outside [0, 1)")
        self.name = name
        self.count = count
        self.features = features
        self.sparseFeatures = sparseFeatures
        sparseFeaturesTransposed = sparseFeatures?.transposed
        self.propagation = propagation
        self.dropout = dropout
        let first = layerDimensions[0]
        table = tableDimensions > 0
            ? try Parameter(name: "\(name).table", rows: count, columns: tableDimensions, normalScale: 0.1, using: &generator) : nil
        tableWeight = tableDimensions > 0
            ? try Parameter(name: "\(name).layer0.table_weight", glorotRows: tableDimensions, columns: first, using: &generator) : nil
        featureWeight = try features.map {
            try Parameter(name: "\(name).layer0.feature_weight", glorotRows: $0.columns, columns: first, using: &generator)
        }
        sparseWeight = try sparseFeatures.map {
            try Parameter(name: "\(name).layer0.sparse_weight", glorotRows: $0.columns, columns: first, using: &generator)
        }
        firstBias = Parameter(name: "\(name).layer0.bias", value: Matrix(rows: 1, columns: first))
        tableRootWeight = rootWeight && propagation != nil && tableDimensions > 0
            ? try Parameter(name: "\(name).layer0.table_root_weight", glorotRows: tableDimensions, columns: first, using: &generator) : nil
        var convolutions = [GCNConv]()
        for l in 1..<layerDimensions.count {
            convolutions.append(try GCNConv(layerDimensions[l - 1], layerDimensions[l], propagated: propagation != nil,
                                        rootWeight: rootWeight, name: "\(name).layer\(l)", using: &generator))
        }
        self.convolutions = convolutions
        itemBias = Parameter(name: "\(name).item_bias", value: Matrix(rows: count, columns: 1))
    }

    /// Embedding dimension `d`.
    public var outputDimensions: Int { convolutions.last?.weight.columns ?? firstBias.columns }

    /// Every trainable parameter, in a fixed order.
    public var parameters: [Parameter] {
        [table, tableWeight, featureWeight, sparseWeight, tableRootWeight].compactMap { $0 } + [firstBias]
            + convolutions.flatMap(\.parameters) + [itemBias]
    }

    public var description: String {
        let inputs = [table.map { "table \($0.value.columns)" }, features.map { "features \($0.columns)" },
                      sparseFeatures.map { "sparse \($0.columns)" }].compactMap { $0 }.joined(separator: " + ")
        return "ModalityEncoder(\(name): \(count) items, \(inputs) → \(([firstBias.value.columns] + convolutions.map { $0.weight.value.columns }).map(String.init).joined(separator: " → ")))"
    }
}
