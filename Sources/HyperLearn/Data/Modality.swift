/// One kind of item in a multimodal dataset (users, movies, tags, drugs…) and its intra-modal structure.
///
/// Items are indexed `0 ..< count`; ``ids`` maps each index back to the identifier the data used
/// (kept with the model and used on export).
public struct Modality: Sendable, Equatable {
    /// The modality's name, unique within a dataset.
    public var name: String
    /// External identifiers, one per item; `ids[i]` names item `i`.
    public var ids: [String]
    /// Optional dense side features, `count × f`.
    public var features: Matrix?
    /// Optional sparse input features (for example a bag of co-occurring items), `count × g`.
    public var sparseFeatures: SparseMatrix?
    /// How to build the intra-modal graph, if any.
    public var graph: GraphSource?
    /// How to build the per-modality hypergraph, if any.
    public var hypergraph: HypergraphSource?
    /// What a person reads for each item (a movie's title), one per item; `""` where an item has none.
    public var labels: [String]?
    /// The categorical features as a person reads them (from the manifest's `categorical` and
    /// `multilabel` columns), for the projector metadata and the map's colours; empty without them.
    public var categories: [ItemCategory] = []

    /// Number of items.
    public var count: Int { ids.count }

    /// Item `i`'s label, or its ID where it has none.
    ///
    /// - Precondition: `0 <= i < count` (bounds-checked, like an array subscript).
    public func label(_ i: Int) -> String {
        guard let labels, labels.indices.contains(i), !labels[i].isEmpty else { return ids[i] }
        return labels[i]
    }

    /// A modality with `count` items named `"0"`, `"1"`, … unless `ids` are given.
    ///
    /// ```swift
    /// let movie = try Modality(name: "movie", count: 2, ids: ["m1", "m2"], graph: .nearestNeighbors(k: 1))
    /// ```
    ///
    /// Feature rows are checked against `count` when the modality joins a ``Dataset``.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `count` is negative or `ids` does not hold
    ///   `count` identifiers.
    public init(name: String, count: Int, ids: [String]? = nil, features: Matrix? = nil,
                graph: GraphSource? = nil, hypergraph: HypergraphSource? = nil, labels: [String]? = nil) throws {
        guard count >= 0 else {
            throw HyperLearnError.invalidArgument("Modality(name:count:): modality '\(name)' has a negative count \(count)")
        }
        if let ids, ids.count != count {
            throw HyperLearnError.invalidArgument("Modality(name:count:ids:): modality '\(name)': \(ids.count) ids for \(count) items")
        }
        self.name = name
        if let labels, labels.count != count {
            throw HyperLearnError.invalidArgument("Modality(name:count:labels:): modality '\(name)': \(labels.count) labels for \(count) items")
        }
        self.ids = ids ?? (0..<count).map(String.init)
        self.labels = labels
        self.features = features
        self.graph = graph
        self.hypergraph = hypergraph
    }
}

/// Where a modality's intra-modal graph `A_m` comes from.
public enum GraphSource: Sendable, Equatable {
    /// A given weighted adjacency (`count × count`); it is symmetrised (`max(A, Aᵀ)`).
    case adjacency(SparseMatrix)
    /// The `k` nearest neighbours of each item by cosine similarity of its features, symmetrised.
    /// Exact (all pairs, computed in blocks with BLAS): fine up to about 50,000 items.
    case nearestNeighbors(k: Int)
    /// Items that appear in training hyperedges sharing another member; the top `k` per item by count.
    /// Members of other modalities that join more than `hubLimit` items are skipped, so that a
    /// popular item does not connect everything.
    case cooccurrence(k: Int, hubLimit: Int = 200)
}

/// Where a modality's hypergraph `H_m` comes from.
public enum HypergraphSource: Sendable, Equatable {
    /// Induced by the relations: every item of another member modality defines one hyperedge holding
    /// the items of this modality that appear with it in a training hyperedge.
    case induced
    /// Given groups of item indices (playlists, albums, sessions), one hyperedge each.
    case groups([[Int32]])
}
