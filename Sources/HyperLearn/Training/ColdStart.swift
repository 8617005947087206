/// Embeddings for items that were not in training (cold start), from their features and their links
/// to trained items, through the trained encoder and without retraining.
///
/// A new item `u` joins its modality's propagation one-sidedly: it reads from its neighbours, the
/// trained items do not read from it, so every trained item's hidden states stay as they were. Its
/// row of `P` follows the trained operator: in a GCN graph `p_uu = 1/d_u` and `p_uj = a_uj/√(d_u d_j)`
/// with `d_u = 1 + Σ_j a_uj` and `d_j` the trained degree; in a hypergraph the new item is in no
/// training hyperedge, so only its singleton (`p_uu = 1`); a mixed propagation averages its parts.
/// Each layer is then `a_u = p_uu t_u + Σ_j p_uj t_j + b (+ h_u W_root)` with `t = h W`, the
/// trained items' `t_j` from a pass over them.
///
/// An item with no table row gets a stand-in (``ColdStartStandIn``) for it and for its score bias: by
/// default zero, what a new item starts from in training (chosen on a validation split of MovieLens-100K
/// movies held out of training, against the neighbours' or all items' mean; BENCHMARKS.md, "Growing a
/// model"). With the table off, a training item embedded from its own features and graph edges gets
/// exactly its trained embedding.
public struct ColdStartEmbeddings: Sendable {
    /// New items × d.
    public var embeddings: Matrix
    /// Each new item's score bias.
    public var biases: [Float]
    /// The table rows the new items were given (`nil` for a modality without a table).
    public var tableRows: Matrix?

    public init(embeddings: Matrix, biases: [Float], tableRows: Matrix? = nil) {
        self.embeddings = embeddings
        self.biases = biases
        self.tableRows = tableRows
    }
}

/// One new item's links to trained items: `(trained item index, weight)`.
public typealias ItemLinks = [(item: Int, weight: Float)]

/// What a new item gets for a per-item parameter it has no trained value of (its table row, its bias).
public enum ColdStartStandIn: String, Sendable, CaseIterable {
    /// The link-weighted mean of its neighbours' values (the mean over all items without links).
    case neighbors
    /// The mean over all trained items.
    case mean
    /// Zero: what a new item starts from in training (the prior that weight decay pulls towards).
    case zero
}

extension Trainer {
    /// Embeds new items of modality `m` with the trainer's current parameters.
    /// - Parameters:
    ///   - features: one row per new item, the modality's feature columns (required when the modality
    ///     has features, refused otherwise).
    ///   - links: per new item, its trained neighbours and edge weights (> 0).
    /// - Throws: when the shapes do not fit the modality, a link names no trained item or a weight is
    ///   not positive and finite, or the modality's propagation is of a kind this cannot extend.
    ///   - tableRow, bias: the stand-ins for the item's table row and score bias.
    public func embedNewItems(modality m: Int, features: Matrix?, links: [ItemLinks], tableRow: ColdStartStandIn = .zero,
                              bias: ColdStartStandIn = .zero) throws -> ColdStartEmbeddings {
        guard model.encoders.indices.contains(m) else {
            throw HyperLearnError.invalidArgument("modality \(m) does not exist (the model has \(model.encoders.count))")
        }
        let encoder = model.encoders[m], n = encoder.count, count = links.count
        switch (encoder.features, features) {
        case let (trained?, given?):
            guard given.rows == count, given.columns == trained.columns else {
                throw HyperLearnError.invalidArgument("modality '\(encoder.name)': features \(given.rows)×\(given.columns) for \(count) new item(s); the modality has \(trained.columns) feature column(s)")
            }
        case (nil, _?):
            throw HyperLearnError.invalidArgument("modality '\(encoder.name)' has no features; give the new items links only")
        case (_?, nil):
            throw HyperLearnError.invalidArgument("modality '\(encoder.name)' has features; give the new items' features")
        case (nil, nil): break
        }
        for (u, itemLinks) in links.enumerated() {
            if let bad = itemLinks.first(where: { !(0..<n).contains($0.item) || !($0.weight.isFinite && $0.weight > 0) }) {
                throw HyperLearnError.invalidArgument("new item \(u) of '\(encoder.name)': link to item \(bad.item) with weight \(bad.weight); links name trained items 0..<\(n) with positive finite weights")
            }
        }
        let rows = try encoder.propagation.map { try ColdStartRows(of: $0, links: links) }
            ?? ColdStartRows(selfWeights: [Float](repeating: 1, count: count), neighbors: Array(repeating: [], count: count))

        func standIn(_ values: Matrix, _ kind: ColdStartStandIn) -> Matrix {
            var result = Matrix(rows: count, columns: values.columns)
            guard kind != .zero else { return result }
            var mean = [Float](repeating: 0, count: values.columns)
            for i in 0..<values.rows { for k in 0..<values.columns { mean[k] += values.storage[i * values.columns + k] / Float(max(values.rows, 1)) } }
            for (u, itemLinks) in links.enumerated() {
                let total = kind == .neighbors ? itemLinks.reduce(Float(0)) { $0 + $1.weight } : 0
                for k in 0..<values.columns {
                    result.storage[u * values.columns + k] = total > 0
                        ? itemLinks.reduce(Float(0)) { $0 + $1.weight * values.storage[$1.item * values.columns + k] } / total
                        : mean[k]
                }
            }
            return result
        }
        let tableRows = encoder.table.map { standIn($0.value, tableRow) }
        let biases = standIn(encoder.itemBias.value, bias).storage

        // Layer 0: t = E W_E + X W_X + B W_B for the trained items, the same from the new items' inputs (no B row).
        var trainedT = Matrix(rows: n, columns: encoder.firstBias.columns), newT = Matrix(rows: count, columns: encoder.firstBias.columns)
        if let table = encoder.table, let weight = encoder.tableWeight, let tableRows {
            trainedT.uncheckedMultiply(table.value, weight.value, beta: 1)
            newT.uncheckedMultiply(tableRows, weight.value, beta: 1)
        }
        if let trained = encoder.features, let weight = encoder.featureWeight, let features {
            trainedT.uncheckedMultiply(trained, weight.value, beta: 1)
            newT.uncheckedMultiply(features, weight.value, beta: 1)
        }
        if let sparse = encoder.sparseFeatures, let weight = encoder.sparseWeight {
            trainedT.uncheckedAdd(sparse.uncheckedMultiply(weight.value))
        }
        func propagatedLayer(_ trained: Matrix, _ new: Matrix, bias: Parameter, trainedRoot: Matrix?, newRoot: Matrix?,
                             rootWeight: Parameter?) throws -> (trained: Matrix, new: Matrix) {
            var trainedOut = try encoder.propagation.map { try $0.apply(trained) } ?? trained
            var newOut = rows.apply(new, trained: trained)
            trainedOut.uncheckedAddRowVector(bias.value)
            newOut.uncheckedAddRowVector(bias.value)
            if let rootWeight, let trainedRoot, let newRoot {
                trainedOut.uncheckedMultiply(trainedRoot, rootWeight.value, beta: 1)
                newOut.uncheckedMultiply(newRoot, rootWeight.value, beta: 1)
            }
            return (trainedOut, newOut)
        }
        var (trainedA, newA) = try propagatedLayer(trainedT, newT, bias: encoder.firstBias, trainedRoot: encoder.table?.value,
                                               newRoot: tableRows, rootWeight: encoder.tableRootWeight)
        for conv in encoder.convolutions {
            let trainedH = ReLUDropout.forward(trainedA, mask: nil), newH = ReLUDropout.forward(newA, mask: nil)
            (trainedA, newA) = try propagatedLayer(Matrix.uncheckedProduct(trainedH, conv.weight.value),
                                               Matrix.uncheckedProduct(newH, conv.weight.value), bias: conv.bias,
                                               trainedRoot: trainedH, newRoot: newH, rootWeight: conv.rootWeight)
        }
        return ColdStartEmbeddings(embeddings: newA, biases: biases, tableRows: tableRows)
    }
}

/// The new items' rows of a propagation: a self weight and weighted trained neighbours per item.
struct ColdStartRows {
    var selfWeights: [Float]
    var neighbors: [[(item: Int, weight: Float)]]

    init(selfWeights: [Float], neighbors: [[(item: Int, weight: Float)]]) {
        self.selfWeights = selfWeights
        self.neighbors = neighbors
    }

    /// The rows `propagation` gives new items with `links` (see ``ColdStartEmbeddings``).
    init(of propagation: any Propagation, links: [ItemLinks]) throws {
        switch propagation {
        case let adjacency as NormalizedAdjacency:
            // The trained degree d_j = 1 / Â_jj (the normalisation puts exactly 1 on A + I's diagonal).
            let matrix = adjacency.matrix
            var degree = [Float](repeating: 1, count: matrix.rows)
            for j in 0..<matrix.rows {
                for k in matrix.rowOffsets[j]..<matrix.rowOffsets[j + 1] where Int(matrix.columnIndices[k]) == j {
                    degree[j] = matrix.values[k] > 0 ? 1 / matrix.values[k] : 1
                }
            }
            selfWeights = []
            neighbors = []
            for itemLinks in links {
                let own = 1 + itemLinks.reduce(Float(0)) { $0 + $1.weight }
                selfWeights.append(1 / own)
                neighbors.append(itemLinks.map { ($0.item, $0.weight / (own * degree[$0.item]).squareRoot()) })
            }
        case is HypergraphPropagation:
            // In no training hyperedge: the singleton hyperedge alone, weight 1.
            selfWeights = [Float](repeating: 1, count: links.count)
            neighbors = Array(repeating: [], count: links.count)
        case let mixed as MixedPropagation:
            let parts = try mixed.parts.map { try ColdStartRows(of: $0, links: links) }
            let share = 1 / Float(parts.count)
            selfWeights = (0..<links.count).map { u in parts.reduce(Float(0)) { $0 + share * $1.selfWeights[u] } }
            neighbors = (0..<links.count).map { u in parts.flatMap { $0.neighbors[u].map { ($0.item, share * $0.weight) } } }
        default:
            throw HyperLearnError.invalidArgument("embedding new items through a \(type(of: propagation)) propagation is not supported")
        }
    }

    /// `p_uu x_u + Σ_j p_uj t_j` for every new item `u` (`x`: the new items' rows, `trained`: the trained items').
    func apply(_ x: Matrix, trained: Matrix) -> Matrix {
        var result = Matrix(rows: x.rows, columns: x.columns)
        let c = x.columns
        for u in 0..<x.rows {
            for k in 0..<c { result.storage[u * c + k] = selfWeights[u] * x.storage[u * c + k] }
            for (j, weight) in neighbors[u] {
                for k in 0..<c { result.storage[u * c + k] += weight * trained.storage[j * c + k] }
            }
        }
        return result
    }
}
