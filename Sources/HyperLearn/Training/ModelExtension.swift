/// How a trained model's parts land in a grown dataset: each old modality's items matched to the new
/// ones by ID (never by position), each old relation to the relation of the same name, and what is new.
///
/// Built by ``init(from:to:configuration:freeze:)``, which refuses, saying exactly what differs, when
/// the dataset does not contain the model: an old modality or relation missing, an item ID gone, a
/// relation's members or task changed, or a setting that shapes the parameters changed.
public struct ModelExtension: Sendable {
    /// One old modality and where it is now.
    public struct ModalityMatch: Sendable, Equatable {
        public var old: Int
        public var new: Int
        /// The new row of each old item (`rows[i]`: old item `i`'s index in the new modality).
        public var rows: [Int]
        /// Items the new modality has beyond the old ones.
        public var addedItems: Int
    }

    public let modalities: [ModalityMatch]
    /// Old relation index → new relation index.
    public let relations: [(old: Int, new: Int)]
    /// Names of the modalities and relations the model did not have.
    public let newModalities: [String]
    public let newRelations: [String]

    /// Settings whose change reshapes the parameters (an extension keeps them).
    static let structuralSettings: [(name: String, value: (TrainingConfiguration) -> String)] = [
        ("dimensions", { "\($0.dimensions)" }), ("hiddenDimensions", { "\($0.hiddenDimensions)" }),
        ("tableDimensions", { "\($0.tableDimensions)" }), ("layers", { "\($0.layers)" }),
        ("decoder", { "\($0.decoder)" }), ("tupleHiddenDimensions", { "\($0.tupleHiddenDimensions)" }),
        ("attentionDimensions", { "\($0.attentionDimensions)" }), ("attentionHeads", { "\($0.attentionHeads)" }),
        ("pairwiseInteractions", { "\($0.pairwiseInteractions)" }), ("rootWeight", { "\($0.rootWeight)" }),
    ]

    /// Matches `archive` against `dataset`. With `freeze`, old modalities must keep exactly their items
    /// (a frozen encoder cannot embed new ones; extend without freezing, or use `hyperlearn embed`).
    public init(from archive: TrainedModel, to dataset: Dataset, configuration: TrainingConfiguration,
                freeze: Bool = false) throws {
        let old = archive.structure
        func refuse(_ what: String) -> HyperLearnError {
            .invalidArgument("the trained model does not fit the new dataset: \(what)")
        }
        for setting in Self.structuralSettings where setting.value(old.configuration) != setting.value(configuration) {
            throw refuse("setting '\(setting.name)' is \(setting.value(configuration)), the model was trained with \(setting.value(old.configuration)); an extension keeps the model's shape")
        }
        var modalities = [ModalityMatch]()
        for (m, modality) in old.modalities.enumerated() {
            guard let n = dataset.modalities.firstIndex(where: { $0.name == modality.name }) else {
                throw refuse("modality '\(modality.name)' of the model is missing (the dataset has \(dataset.modalities.map(\.name).joined(separator: ", ")))")
            }
            let newIDs = dataset.modalities[n].ids
            var position = [String: Int](minimumCapacity: newIDs.count)
            for (i, id) in newIDs.enumerated() { position[id] = i }
            var rows = [Int](), missing = [String]()
            rows.reserveCapacity(modality.ids.count)
            for id in modality.ids {
                if let i = position[id] { rows.append(i) } else { missing.append(id) }
            }
            guard missing.isEmpty else {
                let shown = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
                throw refuse("modality '\(modality.name)': \(missing.count) item ID(s) of the model are not in the dataset (\(shown)\(missing.count > 5 ? ", …" : "")); items are matched by ID")
            }
            let added = newIDs.count - modality.ids.count
            if freeze && added > 0 {
                throw refuse("modality '\(modality.name)' has \(added) new item(s); a frozen modality keeps its items (extend without --freeze, or give them embeddings with `hyperlearn embed`)")
            }
            modalities.append(ModalityMatch(old: m, new: n, rows: rows, addedItems: added))
        }
        var relations = [(old: Int, new: Int)]()
        for (r, relation) in old.relations.enumerated() {
            guard let n = dataset.relations.firstIndex(where: { $0.name == relation.name }) else {
                throw refuse("relation '\(relation.name)' of the model is missing (the dataset has \(dataset.relations.map(\.name).joined(separator: ", ")))")
            }
            let oldMembers = relation.members.map { old.modalities[$0].name }
            let newMembers = dataset.relations[n].members.map { dataset.modalities[$0].name }
            guard oldMembers == newMembers else {
                throw refuse("relation '\(relation.name)' joins (\(newMembers.joined(separator: ", "))), the model's joins (\(oldMembers.joined(separator: ", ")))")
            }
            guard dataset.relations[n].task.rawValue == relation.task else {
                throw refuse("relation '\(relation.name)' is a \(dataset.relations[n].task.rawValue) relation, the model's is \(relation.task)")
            }
            relations.append((r, n))
        }
        self.modalities = modalities
        self.relations = relations
        newModalities = dataset.modalities.map(\.name).filter { name in !old.modalities.contains { $0.name == name } }
        newRelations = dataset.relations.map(\.name).filter { name in !old.relations.contains { $0.name == name } }
    }
}

extension Trainer {
    /// A trainer for `dataset`, a grown version of the model in `archive`: the parts the model had start
    /// from its weights (items matched by ID), the new parts start fresh.
    ///
    /// With `freeze`, only the new parts train: the old modalities' embeddings are the archive's,
    /// held (their shards run no encoder pass), the old relations are not trained, and every old
    /// parameter keeps its value, so the old relations' scores stay exactly as they were. Without it,
    /// everything fine-tunes from the warm start.
    /// - Throws: what differs, when `dataset` does not contain the model (see ``ModelExtension``).
    public convenience init(extending archive: TrainedModel, dataset: Dataset, configuration: TrainingConfiguration,
                            freeze: Bool = false) throws {
        let match = try ModelExtension(from: archive, to: dataset, configuration: configuration, freeze: freeze)
        try self.init(dataset: dataset, configuration: configuration)
        extensionMatch = match
        let fresh = try warmStart(from: archive, match: match)
        guard freeze else { return }
        if let changed = fresh.first(where: { name in match.modalities.contains { name.hasPrefix("\(archive.structure.modalities[$0.old].name).") } }) {
            // A frozen encoder whose inputs were reshaped (other features) would not be the one that made the held embeddings.
            throw HyperLearnError.invalidArgument("cannot freeze: parameter '\(changed)' has another shape than in the model (the modality's features changed); extend without --freeze")
        }
        var parts = FrozenParts()
        for modality in match.modalities {
            let z = archive.embeddings[modality.old]
            var held = Matrix(rows: z.rows, columns: z.columns)
            for (i, row) in modality.rows.enumerated() {
                for k in 0..<z.columns { held.storage[row * z.columns + k] = z.storage[i * z.columns + k] }
            }
            parts.embeddings[modality.new] = held
        }
        parts.relations = Set(match.relations.map(\.new))
        frozen = parts
    }

    /// Copies `archive`'s weights into this trainer's model by parameter name: per-item parameters (tables,
    /// item biases) row by row through the ID match, the others whole when their shape agrees. Returns
    /// the names of old parameters left fresh because their shape changed.
    @discardableResult
    func warmStart(from archive: TrainedModel, match: ModelExtension) throws -> [String] {
        var rowMap = [String: [Int]]()
        for modality in match.modalities {
            let name = archive.structure.modalities[modality.old].name
            rowMap["\(name).table"] = modality.rows
            rowMap["\(name).item_bias"] = modality.rows
        }
        var fresh = [String]()
        for parameter in model.parameters {
            guard let old = archive.weights[parameter.name] else { continue }
            if let rows = rowMap[parameter.name], old.columns == parameter.columns, old.rows == rows.count {
                var value = parameter.value
                for (i, row) in rows.enumerated() {
                    for k in 0..<old.columns { value.storage[row * old.columns + k] = old.storage[i * old.columns + k] }
                }
                parameter.value = value
            } else if old.rows == parameter.rows && old.columns == parameter.columns {
                parameter.value = old
            } else {
                fresh.append(parameter.name)
            }
        }
        return fresh
    }
}

extension Trainer {
    /// Starts this (untrained) run from the weights of `archive`, a model of the same structure: the
    /// same modalities and items (matched by ID), relations and parameter shapes. Adam starts afresh.
    /// - Throws: what differs, pointing to ``init(extending:dataset:configuration:freeze:)`` when the
    ///   dataset has grown.
    public func initialize(from archive: TrainedModel) throws {
        guard epoch == 0 else { throw HyperLearnError.invalidArgument("initialize(from:) starts a run; this one has trained \(epoch) epoch(s)") }
        let match = try ModelExtension(from: archive, to: dataset, configuration: configuration)
        let grown = match.modalities.filter { $0.addedItems > 0 }.map { dataset.modalities[$0.new].name }
        guard match.newModalities.isEmpty, match.newRelations.isEmpty, grown.isEmpty else {
            let summary = try match.summary(in: dataset)
            throw HyperLearnError.invalidArgument("the dataset has grown beyond the model (\(summary)); to start from a model and add parts, use `hyperlearn extend`")
        }
        let fresh = try warmStart(from: archive, match: match)
        guard fresh.isEmpty else {
            throw HyperLearnError.invalidArgument("parameter(s) \(fresh.prefix(5).joined(separator: ", ")) have another shape than in the model (features or settings changed); to start from a model and add parts, use `hyperlearn extend`")
        }
    }

    /// Clears the early-stopping counter, so that a run that stopped early trains on when it is given
    /// more epochs (``TrainingConfiguration/epochs`` raised and the checkpoint loaded).
    public func continueTraining() {
        epochsWithoutImprovement = 0
    }
}

extension ModelExtension {
    /// What is new in `dataset` (the dataset matched), in words.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `dataset` lacks a modality the match names
    ///   (another dataset than the one matched).
    public func summary(in dataset: Dataset) throws -> String {
        var parts = [String]()
        if !newModalities.isEmpty { parts.append("new modalities: \(newModalities.joined(separator: ", "))") }
        if !newRelations.isEmpty { parts.append("new relations: \(newRelations.joined(separator: ", "))") }
        for modality in modalities where modality.addedItems > 0 {
            guard dataset.modalities.indices.contains(modality.new) else {
                throw HyperLearnError.invalidArgument("ModelExtension.summary(in:): dataset '\(dataset.name)' has no modality \(modality.new); pass the dataset matched")
            }
            parts.append("\(modality.addedItems) new item(s) in '\(dataset.modalities[modality.new].name)'")
        }
        return parts.isEmpty ? "nothing new" : parts.joined(separator: "; ")
    }
}
