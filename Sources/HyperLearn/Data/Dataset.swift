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
    @discardableResult
    public mutating func addModality(_ modality: Modality) throws -> Int {
        guard modalityIndex(named: modality.name) == nil else {
            throw HyperLearnError.invalidArgument("duplicate modality name '\(modality.name)'")
        }
        if let f = modality.features, f.rows != modality.count {
            throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(f.rows) feature rows for \(modality.count) items")
        }
        if let s = modality.sparseFeatures, s.rows != modality.count {
            throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(s.rows) sparse feature rows for \(modality.count) items")
        }
        modalities.append(modality)
        return modalities.count - 1
    }

    /// Replaces the modality at `index` (same name rules as ``addModality(_:)``).
    public mutating func updateModality(at index: Int, _ body: (inout Modality) -> Void) {
        body(&modalities[index])
    }

    /// Adds a relation after checking its members, order and indices.
    public mutating func addRelation(_ relation: Relation) throws {
        guard relations.allSatisfy({ $0.name != relation.name }) else {
            throw HyperLearnError.invalidArgument("duplicate relation name '\(relation.name)'")
        }
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
            for e in 0..<set.count {
                for (j, m) in relation.members.enumerated() {
                    let item = Int(set.members[e * set.order + j])
                    if item < 0 || item >= modalities[m].count {
                        throw HyperLearnError.invalidArgument("relation '\(relation.name)' \(label) hyperedge \(e): item \(item) of '\(modalities[m].name)' is outside 0..<\(modalities[m].count)")
                    }
                }
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
        relations.append(relation)
    }

    /// Index of the modality called `name`.
    public func modalityIndex(named name: String) -> Int? { modalities.firstIndex { $0.name == name } }

    /// Index of the relation called `name`.
    public func relationIndex(named name: String) -> Int? { relations.firstIndex { $0.name == name } }
}
