/// What a relation's hyperedges ask of the model.
public enum RelationTask: String, Sendable, Equatable, CaseIterable {
    /// Valued hyperedges (ratings): squared error, RMSE and MAE.
    case regression
    /// Unvalued hyperedges: logistic loss with negative sampling; AUC, AUPR and ranking metrics.
    case link
}

/// A set of hyperedges of one order, stored flat: hyperedge `e` is `members[e*order ..< (e+1)*order]`.
public struct HyperedgeSet: Sendable, Equatable {
    /// Number of members per hyperedge.
    public let order: Int
    /// Item indices, `count * order` of them; position `j` indexes the relation's `j`-th modality.
    public var members: [Int32]
    /// One value per hyperedge for valued relations, else `nil`.
    public var values: [Float]?

    /// Number of hyperedges.
    public var count: Int { order == 0 ? 0 : members.count / order }

    public init(order: Int, members: [Int32], values: [Float]? = nil) {
        precondition(order >= 1 && members.count % order == 0, "HyperedgeSet: \(members.count) members for order \(order)")
        precondition(values == nil || values!.count == members.count / order, "HyperedgeSet: one value per hyperedge")
        self.order = order
        self.members = members
        self.values = values
    }

    /// Hyperedges from tuples, e.g. `[[0, 1, 2], [3, 1, 0]]`.
    public init(_ tuples: [[Int]], values: [Float]? = nil) {
        let order = tuples.first?.count ?? 2
        self.init(order: order, members: tuples.flatMap { $0.map { Int32($0) } }, values: values)
    }

    /// The members of hyperedge `e`.
    public subscript(e: Int) -> ArraySlice<Int32> { members[(e * order)..<((e + 1) * order)] }

    /// The hyperedges at `indices`, in that order.
    public func subset(_ indices: [Int]) -> HyperedgeSet {
        var chosen = [Int32]()
        chosen.reserveCapacity(indices.count * order)
        for e in indices { chosen.append(contentsOf: self[e]) }
        return HyperedgeSet(order: order, members: chosen, values: values.map { v in indices.map { v[$0] } })
    }
}

/// Hyperedges joining an ordered list of modalities (user–movie ratings, user–movie–tag tagging…).
public struct Relation: Sendable, Equatable {
    /// The relation's name, unique within a dataset.
    public var name: String
    /// Indices of the member modalities in ``Dataset/modalities``, in hyperedge order (`p ≥ 2`).
    public var members: [Int]
    public var task: RelationTask
    public var train: HyperedgeSet
    /// Held-out hyperedges, used only for evaluation.
    public var test: HyperedgeSet?
    /// Weight of this relation's loss in the combined loss.
    public var weight: Float

    public init(name: String, members: [Int], task: RelationTask, train: HyperedgeSet,
                test: HyperedgeSet? = nil, weight: Float = 1) {
        self.name = name
        self.members = members
        self.task = task
        self.train = train
        self.test = test
        self.weight = weight
    }

    /// Order of the relation (number of members per hyperedge).
    public var order: Int { members.count }
}
