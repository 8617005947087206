import Foundation

/// Every setting of a training run. The defaults are the configuration the benchmarks call "default".
///
/// `Codable`, so that a run's resolved configuration can be written next to its results and read
/// back to repeat it. Decoding (JSON, or YAML through Yams' `YAMLDecoder`) accepts any subset of the
/// keys, each the name of a property, and gives the others their defaults:
///
/// ```swift
/// let config = try YAMLDecoder().decode(TrainingConfiguration.self, from: "dimensions: 32\ndecoder: cp+tuple\n")
/// // config.dimensions == 32, config.epochs == 200 (the default)
/// ```
///
/// An unknown key or a value of the wrong type is a `DecodingError` whose `codingPath` ends with the
/// key and whose description names it (and, for an unknown key, lists the known ones).
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// Embedding dimension `d` (also the CP rank).
    public var dimensions = 64
    /// Width of the hidden encoder layers.
    public var hiddenDimensions = 128
    /// Width `d₀` of each modality's learned table (0: features only).
    public var tableDimensions = 64
    /// Number of encoder layers (graph convolutions).
    public var layers = 2
    /// Maximum number of epochs.
    public var epochs = 200
    public var learningRate: Float = 0.005
    /// Multiplies the learning rate after every epoch (1: constant).
    public var learningRateDecay: Float = 1
    public var weightDecay: Float = 1e-5
    /// AdamW's decoupled weight decay instead of L2 added to the gradient.
    public var decoupledWeightDecay = false
    /// Positive hyperedges per step of the largest relation (0: full batch).
    public var batchSize = 8_192
    /// Neighbours sampled per item and layer in a mini-batch step, the hop from the batch's items first
    /// (as PyG's `NeighborLoader` orders them; −1: every neighbour). With fanouts, a step encodes only the
    /// items its hyperedges name and their sampled neighbourhoods (docs/method.md, "Sampled mini-batches");
    /// empty: every step encodes every item over the whole graph (exact full-graph training). One entry
    /// per layer, or one for all layers.
    public var fanouts: [Int] = []
    /// In a sampled step (with ``fanouts``), Adam updates only the table rows the step read (lazy Adam,
    /// PyTorch's `SparseAdam`): a row's moments then decay only when the row is used. `false`: every row
    /// takes its update every step (dense), which costs a pass over every table each step.
    public var lazyAdam = true
    /// Negatives per positive for link relations.
    public var negatives = 5
    /// The share of corrupt-one training negatives whose replacement item is drawn in proportion to its
    /// number of training hyperedges (the others: uniformly). Uniform replacements are less popular than
    /// the members they keep, so the first steps learn that popular items score low (BENCHMARKS.md,
    /// "The first epochs"); popular replacements take that signal away. 0: uniform only.
    public var popularNegatives: Float = 0
    /// Dropout after each hidden ReLU of the encoders.
    public var dropout: Float = 0.5
    /// Weight `γ` of the intra-modal smoothness term.
    public var smoothness: Float = 0
    public var decoder: DecoderKind = .cp
    public var tupleHiddenDimensions = 64
    /// Width `a` of the attention decoder's static and dynamic embeddings (``AttentionDecoder``).
    public var attentionDimensions = 64
    /// Heads of the attention decoder's self-attention; they split `attentionDimensions`.
    public var attentionHeads = 4
    /// Add the pairwise-interaction score ``PairwiseDecoder`` (factorization machine, second order)
    /// to the decoder of every relation of order 3 or more.
    public var pairwiseInteractions = false
    /// Add the count term ``CountDecoder`` to the decoder of every link relation: an MLP over the log
    /// counts of the hyperedge's members, pairs and whole tuple among the training hyperedges
    /// (docs/method.md, "Count features"). On by default since it lifted every DHNE benchmark's test
    /// AUC (BENCHMARKS.md, "The count term by default"); off in configurations stored before then.
    public var countFeatures = true
    /// Width of the count term's two hidden layers.
    public var countHiddenDimensions = 32
    /// With ``countFeatures``, the weight of a second logistic loss on each link score without its count
    /// term, so that the embeddings alone still predict the hyperedges (0: off; the count term then
    /// explains much of what the embeddings would learn; BENCHMARKS.md, "Count features and a warm
    /// validation split").
    public var standaloneEmbeddingLoss: Float = 1
    /// Add a root (self) weight to every graph convolution, `Y = P X W + X W_root + b`, so that the
    /// propagation does not average an item's own signal away.
    public var rootWeight = true
    /// L2 penalty `ρ Σ_j ‖Z_{m_j}[i_j]‖²` on the member embeddings of each scored hyperedge, averaged
    /// like the loss (the per-occurrence regulariser of matrix factorisation).
    public var embeddingRegularization: Float = 0
    /// Decay of an exponential moving average of the parameters, updated after every step and used
    /// for validation, early stopping and the final model (0: off). Averaging the noisy iterates of
    /// mini-batch training generalises better (Polyak & Juditsky, 1992).
    public var parameterAveraging: Float = 0
    /// Give each encoder its modality's incidence with the other modalities as sparse input features.
    public var incidenceFeatures = false
    /// Fraction of each relation's training hyperedges held out for validation and early stopping.
    public var validationFraction: Float = 0.05
    /// Hold out for validation only hyperedges whose every member keeps another training hyperedge, as
    /// the benchmark test splits are built (no test member is missing from training): a held-out
    /// hyperedge with a member that training never sees measures only that member's untrained row.
    public var warmValidation = false
    /// The relation whose validation metric alone drives early stopping (empty: the mean over all
    /// relations). With an auxiliary relation (tags beside ratings) the main one can overfit while
    /// the auxiliary one still improves; naming the main relation stops at its best epoch.
    public var earlyStoppingRelation = ""
    /// Epochs without improvement of the validation score before stopping (0: never stop early).
    public var patience = 20
    public var seed: UInt64 = 0
    /// Hyperedges per decoder chunk: the decoder streams over a step's hyperedges in chunks of this size
    /// and accumulates gradients, so memory does not grow with the batch.
    public var chunkSize = 65_536
    /// Threads for OpenBLAS and the parallel loops (0: all cores).
    public var threads = 0
    /// Hidden-member queries evaluated for ranking metrics (a seeded sample when there are more).
    public var rankingQueries = 2_000
    /// Shards the modalities are split over (docs/method.md, "Distribution by modality"): round robin,
    /// each shard's encoders on their own thread group (or MPI rank), with their share of the cores.
    /// Results do not depend on it; more shards than modalities are clamped to the modality count.
    public var shards = 1

    public init() {}

    /// ``fanouts`` with one entry per propagation (``layers``), or `nil` for full-graph steps.
    var layerFanouts: [Int]? {
        guard let first = fanouts.first else { return nil }
        return fanouts.count == 1 ? Array(repeating: first, count: layers) : fanouts
    }

    /// The keys a configuration may hold: the property names, in declaration order.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dimensions, hiddenDimensions, tableDimensions, layers, epochs, learningRate, learningRateDecay
        case weightDecay, decoupledWeightDecay, batchSize, fanouts, lazyAdam, negatives, popularNegatives, dropout, smoothness, decoder
        case tupleHiddenDimensions, attentionDimensions, attentionHeads, pairwiseInteractions, countFeatures, countHiddenDimensions
        case standaloneEmbeddingLoss
        case rootWeight, embeddingRegularization, parameterAveraging
        case incidenceFeatures, validationFraction, warmValidation, earlyStoppingRelation, patience, seed, chunkSize, threads
        case rankingQueries, shards
    }

    /// The names of ``CodingKeys``, in declaration order.
    public static var keyNames: [String] { CodingKeys.allCases.map(\.rawValue) }

    /// Decodes any subset of the keys; the others keep the defaults of ``init()``.
    ///
    /// - Throws: `DecodingError.dataCorrupted` for a key that is not a property (naming it and listing
    ///   ``keyNames``) or an unknown decoder name; `DecodingError.typeMismatch` for a value of the wrong
    ///   type or a non-finite number, naming the key. Ranges are checked by ``validate()``, not here.
    public init(from decoder: Decoder) throws {
        let present = try decoder.container(keyedBy: AnyConfigurationKey.self)
        if let unknown = present.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: present.codingPath + [unknown],
                debugDescription: "unknown key '\(unknown.stringValue)'; known keys: \(TrainingConfiguration.keyNames.joined(separator: ", "))"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        func decode<T: Decodable>(_ key: CodingKeys, _ property: inout T, _ expected: String) throws {
            guard container.contains(key) else { return }
            do {
                property = try container.decode(T.self, forKey: key)
            } catch {
                let found = (try? container.decode(String.self, forKey: key)).map { ", found '\($0)'" } ?? ""
                throw DecodingError.typeMismatch(T.self, .init(
                    codingPath: container.codingPath + [key],
                    debugDescription: "key '\(key.rawValue)': expected \(expected)\(found)", underlyingError: error))
            }
        }
        func decode(_ key: CodingKeys, _ property: inout Int) throws { try decode(key, &property, "an integer") }
        func decode(_ key: CodingKeys, _ property: inout Bool) throws { try decode(key, &property, "true or false") }
        func decode(_ key: CodingKeys, _ property: inout String) throws { try decode(key, &property, "a string") }
        func decode(_ key: CodingKeys, _ property: inout Float) throws {
            try decode(key, &property, "a number")
            guard property.isFinite else {
                throw DecodingError.typeMismatch(Float.self, .init(
                    codingPath: container.codingPath + [key],
                    debugDescription: "key '\(key.rawValue)': expected a finite number, found \(property)"))
            }
        }
        try decode(.dimensions, &dimensions)
        try decode(.hiddenDimensions, &hiddenDimensions)
        try decode(.tableDimensions, &tableDimensions)
        try decode(.layers, &layers)
        try decode(.epochs, &epochs)
        try decode(.learningRate, &learningRate)
        try decode(.learningRateDecay, &learningRateDecay)
        try decode(.weightDecay, &weightDecay)
        try decode(.decoupledWeightDecay, &decoupledWeightDecay)
        try decode(.batchSize, &batchSize)
        try decode(.fanouts, &fanouts, "a list of integers")
        try decode(.lazyAdam, &lazyAdam)
        try decode(.negatives, &negatives)
        try decode(.dropout, &dropout)
        try decode(.smoothness, &smoothness)
        var decoderName = self.decoder.rawValue
        try decode(.decoder, &decoderName)
        guard let kind = DecoderKind(rawValue: decoderName) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: container.codingPath + [CodingKeys.decoder],
                debugDescription: "key 'decoder': unknown decoder '\(decoderName)'; use \(DecoderKind.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        self.decoder = kind
        try decode(.popularNegatives, &popularNegatives)
        try decode(.tupleHiddenDimensions, &tupleHiddenDimensions)
        try decode(.attentionDimensions, &attentionDimensions)
        try decode(.attentionHeads, &attentionHeads)
        try decode(.pairwiseInteractions, &pairwiseInteractions)
        try decode(.countFeatures, &countFeatures)
        try decode(.countHiddenDimensions, &countHiddenDimensions)
        try decode(.standaloneEmbeddingLoss, &standaloneEmbeddingLoss)
        try decode(.rootWeight, &rootWeight)
        try decode(.embeddingRegularization, &embeddingRegularization)
        try decode(.parameterAveraging, &parameterAveraging)
        try decode(.incidenceFeatures, &incidenceFeatures)
        try decode(.validationFraction, &validationFraction)
        try decode(.warmValidation, &warmValidation)
        try decode(.earlyStoppingRelation, &earlyStoppingRelation)
        try decode(.patience, &patience)
        try decode(.seed, &seed, "a non-negative integer")
        try decode(.chunkSize, &chunkSize)
        try decode(.threads, &threads)
        try decode(.rankingQueries, &rankingQueries)
        try decode(.shards, &shards)
    }

    /// Checks ranges; throws a message naming the field.
    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws {
            if !ok { throw HyperLearnError.invalidArgument(message) }
        }
        try check(dimensions > 0, "dimensions must be positive, got \(dimensions)")
        try check(hiddenDimensions > 0, "hiddenDimensions must be positive, got \(hiddenDimensions)")
        try check(tableDimensions >= 0, "tableDimensions must be ≥ 0, got \(tableDimensions)")
        try check(tupleHiddenDimensions > 0, "tupleHiddenDimensions must be positive, got \(tupleHiddenDimensions)")
        try check(attentionDimensions > 0, "attentionDimensions must be positive, got \(attentionDimensions)")
        try check(countHiddenDimensions > 0, "countHiddenDimensions must be positive, got \(countHiddenDimensions)")
        try check(standaloneEmbeddingLoss >= 0 && standaloneEmbeddingLoss.isFinite,
                  "standaloneEmbeddingLoss must be finite and ≥ 0, got \(standaloneEmbeddingLoss)")
        try check(attentionHeads >= 1 && attentionDimensions % attentionHeads == 0,
                  "attentionHeads must be ≥ 1 and divide attentionDimensions (\(attentionDimensions)), got \(attentionHeads)")
        try check(layers >= 1, "layers must be ≥ 1, got \(layers)")
        try check(epochs >= 0, "epochs must be ≥ 0, got \(epochs)")
        try check(learningRate > 0 && learningRate.isFinite, "learningRate must be positive, got \(learningRate)")
        try check(learningRateDecay > 0 && learningRateDecay <= 1, "learningRateDecay must be in (0, 1], got \(learningRateDecay)")
        try check(weightDecay >= 0 && weightDecay.isFinite, "weightDecay must be finite and ≥ 0, got \(weightDecay)")
        try check(batchSize >= 0, "batchSize must be ≥ 0, got \(batchSize)")
        try check((0...1).contains(popularNegatives), "popularNegatives must be in [0, 1], got \(popularNegatives)")
        try check(fanouts.allSatisfy { $0 == -1 || $0 >= 1 }, "fanouts must each be −1 (every neighbour) or ≥ 1, got \(fanouts)")
        try check(fanouts.count <= 1 || fanouts.count == layers,
                  "fanouts needs one entry per layer (\(layers)) or one for all, got \(fanouts.count)")
        try check(fanouts.isEmpty || smoothness == 0,
                  "smoothness > 0 needs the whole graph's embeddings every step; use it without fanouts")
        try check(negatives >= 1, "negatives must be ≥ 1, got \(negatives)")
        try check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got \(dropout)")
        try check(smoothness >= 0 && smoothness.isFinite, "smoothness must be finite and ≥ 0, got \(smoothness)")
        try check(parameterAveraging >= 0 && parameterAveraging < 1, "parameterAveraging must be in [0, 1), got \(parameterAveraging)")
        try check(embeddingRegularization >= 0 && embeddingRegularization.isFinite,
                  "embeddingRegularization must be finite and ≥ 0, got \(embeddingRegularization)")
        try check(validationFraction >= 0 && validationFraction < 1, "validationFraction must be in [0, 1), got \(validationFraction)")
        try check(patience >= 0, "patience must be ≥ 0, got \(patience)")
        try check(chunkSize > 0, "chunkSize must be positive, got \(chunkSize)")
        try check(threads >= 0, "threads must be ≥ 0, got \(threads)")
        try check(shards >= 1, "shards must be ≥ 1, got \(shards)")
    }

    /// Whether the decoder of a relation of `task` has a count term (``countFeatures``: link relations).
    func hasCountTerm(_ task: RelationTask) -> Bool { countFeatures && task == .link }

    /// For a configuration decoded from `json` (a model archive's or checkpoint's, its `configuration`
    /// object): a setting whose default has changed since and that the file does not name is read from
    /// what the file holds, so that the file reads as the model it describes. ``countFeatures`` was off
    /// by default until 2026-12-07, when archives began to name it: without the key, the model has a
    /// count term exactly when the file's parameters (`parameters` of an archive, `parameterNames` of a
    /// checkpoint) include a count term's.
    mutating func takeEarlierDefaults(storedIn json: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let stored = object["configuration"] as? [String: Any] else { return }
        let names = (object["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            ?? (object["parameterNames"] as? [String]) ?? []
        if stored[CodingKeys.countFeatures.rawValue] == nil { countFeatures = names.contains { $0.contains(".counts.") } }
    }
}

/// Any key of a configuration, so that decoding can name the ones that are not properties.
struct AnyConfigurationKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
