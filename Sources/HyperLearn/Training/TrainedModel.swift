import Foundation

/// A trained model on its own: every parameter's weights by name, the item IDs of every modality,
/// the model's structure and the final embeddings and item biases. It scores and predicts hyperedges
/// without the raw data, the graphs or a ``Trainer`` (``write(to:)``/``read(from:)``: the run
/// folder's `model/` archive, which `predict`, `export` and `ensemble` load).
///
/// ```swift
/// let model = try TrainedModel(trainer)           // after fit()
/// try model.write(to: runFolder.appendingPathComponent("model"))
/// let loaded = try TrainedModel.read(from: runFolder.appendingPathComponent("model"))
/// let scores = try loaded.scores(relation: 0, hyperedges: candidates)
/// ```
public final class TrainedModel: @unchecked Sendable {
    /// One modality: its name and its items' external IDs (row `i` of its embeddings is `ids[i]`).
    public struct ModalityStructure: Codable, Sendable, Equatable {
        public var name: String
        public var ids: [String]
    }

    /// One relation: its member modalities, task and (for regression) the training targets' range.
    public struct RelationStructure: Codable, Sendable, Equatable {
        public var name: String
        public var members: [Int]
        public var task: String
        /// `[low, high]` of the training targets; predictions are clamped to it.
        public var valueRange: [Float]?
    }

    /// What the archive's `model.json` holds.
    public struct Structure: Codable, Sendable {
        public static let currentFormat = "hyperlearn-model/1"
        public var format: String
        public var dataset: String
        public var configuration: TrainingConfiguration
        public var modalities: [ModalityStructure]
        public var relations: [RelationStructure]
        /// Every parameter's name and shape, in ``HyperLearnModel/parameters`` order.
        public var parameters: [ParameterShape]
        /// The epoch whose parameters these are.
        public var epoch: Int
    }

    public struct ParameterShape: Codable, Sendable, Equatable {
        public var name: String
        public var rows: Int
        public var columns: Int
    }

    public let structure: Structure
    /// Every parameter's value by name.
    public let weights: [String: Matrix]
    /// Each modality's embeddings `Z_m` (`items × d`).
    public let embeddings: [Matrix]
    /// The relations' decoders, their parameters set from ``weights``.
    let decoders: [RelationDecoder]

    /// The trained model of `trainer` as it stands (call after ``Trainer/fit(afterEpoch:)``, which
    /// restores the best epoch's parameters).
    public convenience init(_ trainer: Trainer) throws {
        let dataset = trainer.dataset
        let parameters = trainer.model.parameters
        let structure = Structure(
            format: Structure.currentFormat, dataset: dataset.name, configuration: trainer.configuration,
            modalities: dataset.modalities.map { ModalityStructure(name: $0.name, ids: $0.ids) },
            relations: dataset.relations.enumerated().map { r, relation in
                RelationStructure(name: relation.name, members: relation.members, task: relation.task.rawValue,
                                  valueRange: trainer.valueRanges[r].map { [$0.lowerBound, $0.upperBound] })
            },
            parameters: parameters.map { ParameterShape(name: $0.name, rows: $0.value.rows, columns: $0.value.columns) },
            epoch: trainer.bestEpoch)
        var weights = [String: Matrix]()
        for parameter in parameters { weights[parameter.name] = parameter.value }
        try self.init(structure: structure, weights: weights, embeddings: trainer.embeddings())
    }

    /// A model from its parts; checks that they agree.
    public init(structure: Structure, weights: [String: Matrix], embeddings: [Matrix]) throws {
        let c = structure.configuration
        guard structure.format == Structure.currentFormat else {
            throw HyperLearnError.invalidArgument("model format '\(structure.format)'; this HyperLearn reads '\(Structure.currentFormat)'")
        }
        guard embeddings.count == structure.modalities.count else {
            throw HyperLearnError.invalidArgument("\(embeddings.count) embedding tables for \(structure.modalities.count) modalities")
        }
        for (modality, z) in zip(structure.modalities, embeddings) {
            guard z.rows == modality.ids.count, z.columns == c.dimensions else {
                throw HyperLearnError.invalidArgument("modality '\(modality.name)': embeddings \(z.rows)×\(z.columns) for \(modality.ids.count) items of dimension \(c.dimensions)")
            }
        }
        for shape in structure.parameters {
            guard let value = weights[shape.name] else {
                throw HyperLearnError.invalidArgument("the weights have no parameter '\(shape.name)'")
            }
            guard value.rows == shape.rows, value.columns == shape.columns, value.isFinite else {
                throw HyperLearnError.invalidArgument("parameter '\(shape.name)' is \(value.rows)×\(value.columns)\(value.isFinite ? "" : " with non-finite values"), expected \(shape.rows)×\(shape.columns)")
            }
        }
        var decoders = [RelationDecoder]()
        for relation in structure.relations {
            guard !relation.members.isEmpty, relation.members.allSatisfy({ structure.modalities.indices.contains($0) }) else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)': members \(relation.members) outside the \(structure.modalities.count) modalities")
            }
            guard RelationTask(rawValue: relation.task) != nil else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)': unknown task '\(relation.task)'")
            }
            var unused = SeededGenerator(seed: 0)
            let decoder = RelationDecoder(kind: c.decoder, order: relation.members.count, dimensions: c.dimensions,
                                          tupleHiddenDimensions: c.tupleHiddenDimensions,
                                          pairwiseInteractions: c.pairwiseInteractions, name: relation.name, using: &unused)
            for parameter in decoder.parameters {
                guard let value = weights[parameter.name], value.rows == parameter.value.rows,
                      value.columns == parameter.value.columns else {
                    throw HyperLearnError.invalidArgument("relation '\(relation.name)': decoder parameter '\(parameter.name)' missing or of the wrong shape")
                }
                parameter.value = value
            }
            decoders.append(decoder)
        }
        for modality in structure.modalities {
            guard let bias = weights["\(modality.name).item_bias"], bias.rows == modality.ids.count, bias.columns == 1 else {
                throw HyperLearnError.invalidArgument("modality '\(modality.name)': item biases missing or of the wrong shape")
            }
        }
        self.structure = structure
        self.weights = weights
        self.embeddings = embeddings
        self.decoders = decoders
    }

    /// The index of the relation named `name`.
    public func relationIndex(named name: String) -> Int? { structure.relations.firstIndex { $0.name == name } }
    /// The index of the modality named `name`.
    public func modalityIndex(named name: String) -> Int? { structure.modalities.firstIndex { $0.name == name } }

    /// Raw scores of `hyperedges` under relation `r`. Throws when `r` is not a relation, the order
    /// differs, or a member index is outside its modality.
    public func scores(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        guard structure.relations.indices.contains(r) else {
            throw HyperLearnError.invalidArgument("relation \(r) does not exist (the model has \(structure.relations.count))")
        }
        let relation = structure.relations[r], p = relation.members.count
        guard hyperedges.order == p else {
            throw HyperLearnError.invalidArgument("relation '\(relation.name)' has order \(p); the hyperedges have order \(hyperedges.order)")
        }
        for (position, item) in hyperedges.members.enumerated() {
            let size = structure.modalities[relation.members[position % p]].ids.count
            guard item >= 0 && Int(item) < size else {
                throw HyperLearnError.invalidArgument("hyperedge \(position / p) of relation '\(relation.name)': member \(position % p) is item \(item), outside 0..<\(size)")
            }
        }
        let biases = structure.modalities.map { weights["\($0.name).item_bias"] }
        let decoder = decoders[r]
        var values = [ObjectIdentifier: Matrix]()
        for parameter in decoder.parameters { values[ObjectIdentifier(parameter)] = parameter.value }
        return try DecoderPass.scores(CPUOperations(), decoder, members: hyperedges.members, order: p, modalities: relation.members,
                                      embeddings: embeddings, biases: biases, dimensions: structure.configuration.dimensions,
                                      chunkSize: structure.configuration.chunkSize, value: { values[ObjectIdentifier($0)]! })
    }

    /// Scores clamped to the training targets' range for regression relations; raw scores for link ones.
    public func predictions(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        let raw = try scores(relation: r, hyperedges: hyperedges)
        guard let range = structure.relations[r].valueRange, range.count == 2 else { return raw }
        return raw.map { min(max($0, range[0]), range[1]) }
    }
}
