/// A multimodal dataset: modalities (with features and intra-modal structure) and the relations
/// (hyperedges) that tie them together.
///
/// ```swift
/// var data = Dataset(name: "toy")
/// let user = try data.addModality(Modality(name: "user", count: 3))
/// let movie = try data.addModality(Modality(name: "movie", count: 2, graph: .nearestNeighbors(k: 1)))
/// try data.addRelation(Relation(name: "rating", members: [user, movie], task: .regression,
///                               train: HyperedgeSet([[0, 1], [2, 0]], values: [4, 2])))
/// ```
public struct Dataset: Sendable, Equatable {
    public var name: String
    public private(set) var modalities: [Modality] = []
    public private(set) var relations: [Relation] = []

    public init(name: String) { self.name = name }

    /// Adds a modality and returns its index. Names must be unique.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the name is taken or the dense or sparse
    ///   features do not have one row per item.
    @discardableResult
    public mutating func addModality(_ modality: Modality) throws -> Int {
        try check(modality, replacing: nil)
        modalities.append(modality)
        return modalities.count - 1
    }

    /// Changes the modality at `index` in place, then checks it as ``addModality(_:)`` does, and checks
    /// that the relations' hyperedges still index its items; on an error the dataset is unchanged.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `index` is outside the modalities, or the
    ///   changed modality is invalid.
    public mutating func updateModality(at index: Int, _ body: (inout Modality) throws -> Void) throws {
        guard index >= 0 && index < modalities.count else {
            throw HyperLearnError.invalidArgument("Dataset.updateModality: index \(index) is outside 0..<\(modalities.count)")
        }
        var modality = modalities[index]
        try body(&modality)
        try check(modality, replacing: index)
        var updated = modalities
        updated[index] = modality
        for relation in relations { try Dataset.check(relation, modalities: updated) }
        modalities = updated
    }

    /// Throws unless `modality` can sit at `index` (a new one when `nil`).
    private func check(_ modality: Modality, replacing index: Int?) throws {
        if let other = modalityIndex(named: modality.name), other != index {
            throw HyperLearnError.invalidArgument("duplicate modality name '\(modality.name)'")
        }
        if let f = modality.features, f.rows != modality.count {
            throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(f.rows) feature rows for \(modality.count) items")
        }
        if let s = modality.sparseFeatures, s.rows != modality.count {
            throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(s.rows) sparse feature rows for \(modality.count) items")
        }
        for category in modality.categories where category.values.count != modality.count {
            throw HyperLearnError.invalidArgument("modality '\(modality.name)': category '\(category.name)' has \(category.values.count) values for \(modality.count) items")
        }
    }

    /// Adds a relation after checking its members, order and indices.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the name is taken, the relation has fewer
    ///   than two members or names a missing modality, a hyperedge set has the wrong order or a member
    ///   outside its modality, a regression set lacks finite values (one per hyperedge), or the training
    ///   set is empty.
    public mutating func addRelation(_ relation: Relation) throws {
        guard relations.allSatisfy({ $0.name != relation.name }) else {
            throw HyperLearnError.invalidArgument("duplicate relation name '\(relation.name)'")
        }
        try Dataset.check(relation, modalities: modalities)
        relations.append(relation)
    }

    /// Throws unless `relation`'s hyperedges are consistent and index items of `modalities`.
    private static func check(_ relation: Relation, modalities: [Modality]) throws {
        guard relation.members.count >= 2 else {
            throw HyperLearnError.invalidArgument("relation '\(relation.name)' has \(relation.members.count) member(s); at least two are needed")
        }
        for m in relation.members where m < 0 || m >= modalities.count {
            throw HyperLearnError.invalidArgument("relation '\(relation.name)' names modality index \(m), but there are \(modalities.count)")
        }
        for (label, set) in [("train", relation.train), ("test", relation.test)] {
            guard let set else { continue }
            guard set.order == relation.order else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label): order \(set.order), expected \(relation.order)")
            }
            guard set.members.count % set.order == 0 else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label): \(set.members.count) members is not a multiple of the order \(set.order)")
            }
            for e in 0..<set.count {
                for (j, m) in relation.members.enumerated() {
                    let item = Int(set.members[e * set.order + j])
                    if item < 0 || item >= modalities[m].count {
                        throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label) hyperedge \(e): item \(item) of '\(modalities[m].name)' is outside 0..<\(modalities[m].count)")
                    }
                }
            }
            if let values = set.values, values.count != set.count {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label): \(values.count) values for \(set.count) hyperedges")
            }
            if relation.task == .regression {
                guard let values = set.values else {
                    throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label): a regression relation needs values")
                }
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label) hyperedge \(bad): value is not finite")
                }
            }
        }
        guard relation.train.count > 0 else {
            throw HyperLearnError.invalidArgument("relation '\(relation.name)' has an empty training set")
        }
    }

    /// Index of the modality called `name`.
    public func modalityIndex(named name: String) -> Int? { modalities.firstIndex { $0.name == name } }

    /// Index of the relation called `name`.
    public func relationIndex(named name: String) -> Int? { relations.firstIndex { $0.name == name } }
}
