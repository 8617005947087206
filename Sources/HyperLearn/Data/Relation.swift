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

    /// Hyperedges from their flat members: hyperedge `e` is `members[e*order ..< (e+1)*order]`.
    ///
    /// ```swift
    /// let ratings = try HyperedgeSet(order: 2, members: [0, 1, 2, 0], values: [4, 2])  // (0, 1) → 4, (2, 0) → 2
    /// ```
    ///
    /// Item indices are checked against the modalities when the set joins a ``Dataset``
    /// (``Dataset/addRelation(_:)``), or with ``checkMembers(within:function:)``.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `order < 1`, `members.count` is not a
    ///   multiple of `order`, or `values` does not hold one value per hyperedge.
    public init(order: Int, members: [Int32], values: [Float]? = nil) throws {
        guard order >= 1 else {
            throw HyperLearnError.invalidArgument("HyperedgeSet(order:members:values:): order \(order); at least 1 is needed")
        }
        guard members.count % order == 0 else {
            throw HyperLearnError.invalidArgument(
                "HyperedgeSet(order:members:values:): \(members.count) members is not a multiple of the order \(order)")
        }
        if let values, values.count != members.count / order {
            throw HyperLearnError.invalidArgument(
                "HyperedgeSet(order:members:values:): \(values.count) values for \(members.count / order) hyperedges; one value per hyperedge is needed")
        }
        self.init(order: order, uncheckedMembers: members, values: values)
    }

    /// ``init(order:members:values:)`` for arrays the caller built consistent (negative sampling,
    /// candidate lists, subsets; no check beyond a debug assertion).
    init(order: Int, uncheckedMembers members: [Int32], values: [Float]? = nil) {
        assert(order >= 1 && members.count % order == 0 && (values == nil || values!.count == members.count / order),
               "HyperedgeSet: \(members.count) members for order \(order)")
        self.order = order
        self.members = members
        self.values = values
    }

    /// Hyperedges from tuples, e.g. `[[0, 1, 2], [3, 1, 0]]`; an empty list gives an empty set of order 2.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the tuples differ in length (naming the
    ///   first that differs from the first tuple), a tuple is empty, an index does not fit in `Int32`,
    ///   or `values` does not hold one value per tuple.
    public init(_ tuples: [[Int]], values: [Float]? = nil) throws {
        let order = tuples.first?.count ?? 2
        if let ragged = tuples.firstIndex(where: { $0.count != order }) {
            throw HyperLearnError.invalidArgument(
                "HyperedgeSet(_:values:): tuple \(ragged) has \(tuples[ragged].count) members, tuple 0 has \(order)")
        }
        var members = [Int32]()
        members.reserveCapacity(tuples.count * order)
        for (e, tuple) in tuples.enumerated() {
            for item in tuple {
                guard let member = Int32(exactly: item) else {
                    throw HyperLearnError.invalidArgument("HyperedgeSet(_:values:): tuple \(e): item \(item) does not fit in Int32")
                }
                members.append(member)
            }
        }
        try self.init(order: order, members: members, values: values)
    }

    /// The members of hyperedge `e`.
    ///
    /// - Precondition: `0 <= e < count` (bounds-checked, like an array subscript).
    public subscript(e: Int) -> ArraySlice<Int32> { members[(e * order)..<((e + 1) * order)] }

    /// The hyperedges at `indices`, in that order.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` naming the first index outside `0 ..< count`.
    public func subset(_ indices: [Int]) throws -> HyperedgeSet {
        if let bad = indices.firstIndex(where: { $0 < 0 || $0 >= count }) {
            throw HyperLearnError.invalidArgument("HyperedgeSet.subset: index \(indices[bad]) at position \(bad) is outside 0..<\(count)")
        }
        return uncheckedSubset(indices)
    }

    /// ``subset(_:)`` for indices the caller knows to lie in `0 ..< count`.
    func uncheckedSubset(_ indices: [Int]) -> HyperedgeSet {
        var chosen = [Int32]()
        chosen.reserveCapacity(indices.count * order)
        for e in indices { chosen.append(contentsOf: self[e]) }
        return HyperedgeSet(order: order, uncheckedMembers: chosen, values: values.map { v in indices.map { v[$0] } })
    }

    /// Checks that every member at position `j` lies in `0 ..< sizes[j]`, so that the hyperedges can be
    /// used to gather rows of the member modalities' embeddings.
    ///
    /// - Parameters:
    ///   - sizes: item counts of the member modalities, in hyperedge order (`order` of them).
    ///   - function: the operation to name in the error.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` naming the first hyperedge and position whose
    ///   item is out of range, or when `sizes` does not hold `order` counts.
    public func checkMembers(within sizes: [Int], function: String = "HyperedgeSet.checkMembers") throws {
        guard sizes.count == order else {
            throw HyperLearnError.invalidArgument("\(function): hyperedges of order \(order) for \(sizes.count) member modalities")
        }
        for (k, item) in members.enumerated() where item < 0 || Int(item) >= sizes[k % order] {
            throw HyperLearnError.invalidArgument(
                "\(function): hyperedge \(k / order), position \(k % order): item \(item) is outside 0..<\(sizes[k % order])")
        }
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
