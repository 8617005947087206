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
public final class TrainedModel: Predictor, @unchecked Sendable {
    /// One modality: its name and its items' external IDs (row `i` of its embeddings is `ids[i]`).
    public struct ModalityStructure: Codable, Sendable, Equatable {
        public var name: String
        public var ids: [String]
        /// What a person reads for each item (from the manifest's `labels`); absent without them.
        public var labels: [String]? = nil
        /// The categorical features as text (``Modality/categories``); absent without them.
        public var categories: [ItemCategory]? = nil
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
        /// The epoch whose parameters these are (the best validation epoch), and the epochs trained.
        public var bestEpoch: Int
        public var epochsTrained: Int
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
    /// The modalities (names and IDs) and relations with their training and test hyperedges, as the
    /// model was trained and tested: no features and no graphs.
    public let dataset: Dataset
    private var evaluationStorage: EvaluationProtocol?
    private var countsStorage: [HyperedgeCounts?]?
    private let evaluationLock = NSLock()

    /// The trained model of `trainer` as it stands (call after ``Trainer/fit(afterEpoch:)``, which
    /// restores the best epoch's parameters).
    /// - Parameters:
    ///   - trainer: The trained model's trainer.
    ///   - embeddings: Its ``Trainer/embeddings()``, when the caller has them already (one encoder pass
    ///     over every item, and one copy of every table, fewer); computed when `nil`.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `embeddings` do not fit the modalities.
    public convenience init(_ trainer: Trainer, embeddings: [Matrix]? = nil) throws {
        let dataset = trainer.dataset
        let parameters = trainer.model.parameters
        let structure = Structure(
            format: Structure.currentFormat, dataset: dataset.name, configuration: trainer.configuration,
            modalities: dataset.modalities.map { ModalityStructure(name: $0.name, ids: $0.ids, labels: $0.labels,
                                                                   categories: $0.categories.isEmpty ? nil : $0.categories) },
            relations: dataset.relations.enumerated().map { r, relation in
                RelationStructure(name: relation.name, members: relation.members, task: relation.task.rawValue,
                                  valueRange: trainer.valueRanges[r].map { [$0.lowerBound, $0.upperBound] })
            },
            parameters: parameters.map { ParameterShape(name: $0.name, rows: $0.value.rows, columns: $0.value.columns) },
            bestEpoch: trainer.bestEpoch, epochsTrained: trainer.epoch)
        var weights = [String: Matrix]()
        for parameter in parameters { weights[parameter.name] = parameter.value }
        try self.init(structure: structure, weights: weights, embeddings: embeddings ?? trainer.embeddings(),
                      splits: dataset.relations.map { ($0.train, $0.test) })
    }

    /// A model from its parts; checks that they agree. `splits[r]` are relation `r`'s training and
    /// test hyperedges (what the test protocol filters against and evaluates).
    public init(structure: Structure, weights: [String: Matrix], embeddings: [Matrix],
                splits: [(train: HyperedgeSet, test: HyperedgeSet?)]) throws {
        let c = structure.configuration
        guard structure.format == Structure.currentFormat else {
            throw HyperLearnError.invalidArgument("model format '\(structure.format)'; this HyperLearn reads '\(Structure.currentFormat)'")
        }
        // A hand-edited or damaged structure must not size the decoders it builds below.
        try c.validate()
        guard c.dimensions <= InputLimits.maximumDimensions, c.tupleHiddenDimensions <= InputLimits.maximumDimensions,
              c.attentionDimensions <= InputLimits.maximumDimensions, c.countHiddenDimensions <= InputLimits.maximumDimensions else {
            throw HyperLearnError.invalidArgument("dimensions \(c.dimensions) / tupleHiddenDimensions \(c.tupleHiddenDimensions) / attentionDimensions \(c.attentionDimensions) / countHiddenDimensions \(c.countHiddenDimensions) above the limit \(InputLimits.maximumDimensions)")
        }
        for relation in structure.relations {
            if let range = relation.valueRange {
                guard range.count == 2, range[0].isFinite, range[1].isFinite, range[0] <= range[1] else {
                    throw HyperLearnError.invalidArgument("relation '\(relation.name)': valueRange \(range) is not [low, high]")
                }
            }
            guard (2...InputLimits.maximumOrder).contains(relation.members.count) else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)' has \(relation.members.count) members")
            }
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
            guard let task = RelationTask(rawValue: relation.task) else {
                throw HyperLearnError.invalidArgument("relation '\(relation.name)': unknown task '\(relation.task)'")
            }
            var unused = SeededGenerator(seed: 0)
            let decoder = try RelationDecoder(kind: c.decoder, order: relation.members.count, dimensions: c.dimensions,
                                          tupleHiddenDimensions: c.tupleHiddenDimensions,
                                          attentionDimensions: c.attentionDimensions, attentionHeads: c.attentionHeads,
                                          pairwiseInteractions: c.pairwiseInteractions,
                                          countFeatures: c.hasCountTerm(task),
                                          countHiddenDimensions: c.countHiddenDimensions, name: relation.name, using: &unused)
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
        guard splits.count == structure.relations.count else {
            throw HyperLearnError.invalidArgument("\(splits.count) relation splits for \(structure.relations.count) relations")
        }
        var dataset = Dataset(name: structure.dataset)
        for modality in structure.modalities {
            if let labels = modality.labels, labels.count != modality.ids.count {
                throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(labels.count) labels for \(modality.ids.count) items")
            }
            var restored = try Modality(name: modality.name, count: modality.ids.count, ids: modality.ids, labels: modality.labels)
            restored.categories = modality.categories ?? []
            _ = try dataset.addModality(restored)
        }
        for (relation, split) in zip(structure.relations, splits) {
            _ = try dataset.addRelation(Relation(name: relation.name, members: relation.members,
                                                 task: RelationTask(rawValue: relation.task)!, train: split.train, test: split.test))
        }
        self.structure = structure
        self.weights = weights
        self.embeddings = embeddings
        self.decoders = decoders
        self.dataset = dataset
    }

    /// The test protocol, built on first use: its known-positive key sets cover every training and test
    /// hyperedge (hundreds of MB at 20M hyperedges), which `export` and plain scoring never read.
    var evaluation: EvaluationProtocol {
        evaluationLock.lock()
        defer { evaluationLock.unlock() }
        if let built = evaluationStorage { return built }
        let built = EvaluationProtocol(
            dataset: dataset, valueRanges: structure.relations.map { $0.valueRange.map { $0[0]...$0[1] } },
            rankingQueries: structure.configuration.rankingQueries)
        evaluationStorage = built
        return built
    }

    /// Per relation whose decoder has a count term, the counts of its training hyperedges (as the
    /// trainer's test scores read them), built on first use.
    func counts() throws -> [HyperedgeCounts?] {
        evaluationLock.lock()
        defer { evaluationLock.unlock() }
        if let built = countsStorage { return built }
        let sizes = dataset.modalities.map(\.count)
        let built = try zip(dataset.relations, decoders).map { relation, decoder in
            decoder.counts == nil ? nil : try HyperedgeCounts(relation.train, sizes: relation.members.map { sizes[$0] })
        }
        countsStorage = built
        return built
    }

    /// Test metrics by relation, by ``Trainer/evaluate(on:)``'s protocol: on the test hyperedges the model
    /// was trained with, or on `tests` (one set or `nil` per relation, items indexed as the model's IDs).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `tests` does not hold one set or `nil` per
    ///   relation, or a set does not fit its relation.
    public func evaluate(tests: [HyperedgeSet?]? = nil) throws -> [String: [String: Double]] {
        let sets = tests ?? evaluation.testSets
        guard sets.count == structure.relations.count else {
            throw HyperLearnError.invalidArgument("\(sets.count) test sets for \(structure.relations.count) relations")
        }
        for (r, set) in sets.enumerated() { if let set { try checkHyperedges(set, relation: r) } }
        return try evaluation.evaluate(sets, candidates: [candidateScorer()]) { r, hyperedges in
            try self.rawScores(relation: r, hyperedges: hyperedges)
        }
    }

    /// The batched ranking scorer over the stored embeddings and weights.
    func candidateScorer() throws -> CandidateScorer {
        CandidateScorer(embeddings: embeddings, biases: structure.modalities.map { weights["\($0.name).item_bias"] ?? Matrix(rows: $0.ids.count, columns: 1) },
                        members: structure.relations.map(\.members), decoders: decoders, value: \.value,
                        counted: zip(try counts(), dataset.relations).map { table, relation in table.map { ([$0], [relation.train]) } })
    }

    /// The same model with other test hyperedges (one set or `nil` per relation), such as a test split
    /// read with ``ManifestLoader/loadTestSplits(ids:)``.
    public func replacingTests(_ tests: [HyperedgeSet?]) throws -> TrainedModel {
        guard tests.count == structure.relations.count else {
            throw HyperLearnError.invalidArgument("\(tests.count) test sets for \(structure.relations.count) relations")
        }
        for (r, set) in tests.enumerated() { if let set { try checkHyperedges(set, relation: r) } }
        return try TrainedModel(structure: structure, weights: weights, embeddings: embeddings,
                                splits: zip(dataset.relations, tests).map { ($0.train, $1) })
    }

    /// Whether relation `r`'s training hyperedges (validation split included) contain `members`, one
    /// hyperedge in relation order: what a recommendation leaves out.
    public func trainingContains(relation r: Int, _ members: [Int32]) -> Bool {
        structure.relations.indices.contains(r) && members.count == structure.relations[r].members.count
            && evaluation.knownTraining[r].contains(members)
    }

    /// ``predictions(relation:hyperedges:)``: what a user reads (``Predictor``).
    public func predictedValues(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        try predictions(relation: r, hyperedges: hyperedges)
    }

    /// The index of the relation named `name`.
    public func relationIndex(named name: String) -> Int? { structure.relations.firstIndex { $0.name == name } }
    /// The index of the modality named `name`.
    public func modalityIndex(named name: String) -> Int? { structure.modalities.firstIndex { $0.name == name } }

    /// Raw scores of `hyperedges` under relation `r`. Throws when `r` is not a relation, the order
    /// differs, or a member index is outside its modality.
    public func scores(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        try checkHyperedges(hyperedges, relation: r)
        return try rawScores(relation: r, hyperedges: hyperedges)
    }

    /// Throws unless `hyperedges` can be scored under relation `r`.
    func checkHyperedges(_ hyperedges: HyperedgeSet, relation r: Int) throws {
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
    }

    /// Scores of hyperedges already checked against relation `r`.
    func rawScores(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        let relation = structure.relations[r], p = relation.members.count
        let biases = structure.modalities.map { weights["\($0.name).item_bias"] }
        let decoder = decoders[r]
        var values = [ObjectIdentifier: Matrix]()
        for parameter in decoder.parameters { values[ObjectIdentifier(parameter)] = parameter.value }
        return try DecoderPass.scores(CPUOperations(), decoder, members: hyperedges.members,
                                      counts: try counts()[r].map { CountFeatureSource(tables: [$0]) }, order: p, modalities: relation.members,
                                      embeddings: embeddings, biases: biases, dimensions: structure.configuration.dimensions,
                                      chunkSize: structure.configuration.chunkSize, value: { values[ObjectIdentifier($0)]! })
    }

    /// Scores clamped to the training targets' range for regression relations; raw scores for link ones.
    public func predictions(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        evaluation.clamped(try scores(relation: r, hyperedges: hyperedges), relation: r)
    }
}
