import Foundation

/// One epoch's record: training loss, validation score and metrics, time.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's steps (all relations, weighted, plus smoothness).
    public var loss: Double
    /// The early-stopping score on the validation split (lower is better: RMSE for regression,
    /// 1 − AUC for link relations, averaged over relations); `nil` without a validation split.
    public var validationScore: Double?
    /// Per relation, the validation metrics: `rmse`, or `auc` and, where some validation positives
    /// repeat a fit hyperedge and some do not (DHNE's `drug`), `auc_novel` over those that do not.
    public var validation: [String: [String: Double]]
    public var seconds: Double
    public var learningRate: Float
}

/// Trains a ``HyperLearnModel`` on a ``Dataset``: mini-batches of hyperedges, negative sampling,
/// Adam, a validation split carved from training for early stopping, evaluation on the test split.
///
/// ```swift
/// let trainer = try Trainer(dataset: data, configuration: config)
/// try? trainer.use(.cuda(0))                // optional: train on a GPU (see ``use(_:)``)
/// try trainer.fit()
/// let metrics = trainer.evaluate()          // per relation, on the test split
/// let userEmbeddings = trainer.embeddings()[0]
/// ```
///
/// The same seed gives the same numbers: every random draw comes from seeded generators, and all
/// parallel loops write disjoint outputs.
public final class Trainer: @unchecked Sendable {
    public let dataset: Dataset
    public let configuration: TrainingConfiguration
    public let model: HyperLearnModel
    /// Per relation: the training hyperedges minus the validation split, and the validation split.
    public let trainingSets: [HyperedgeSet]
    public let validationSets: [HyperedgeSet]
    let sizes: [Int]
    /// The test protocol: known positives, value ranges, ranking queries (shared with ``TrainedModel``).
    let evaluation: EvaluationProtocol
    /// Known positives of each relation: training (validation included).
    var knownTraining: [HyperedgeKeys] { evaluation.knownTraining }
    /// Fixed corrupt-one negatives of the validation split (link relations).
    let validationNegatives: [HyperedgeSet?]
    /// Per link relation, the validation positives that repeat no fit hyperedge, where some do and some
    /// do not: the validation split's counterpart of the test split's `auc_novel`, so that a setting
    /// meant for novel hyperedges is chosen on validation.
    let validationNovel: [[Int]?]
    /// Per link relation, the running sums of each position's training degrees, when
    /// ``TrainingConfiguration/popularNegatives`` draws replacements by popularity.
    let popularity: [[[Float]]?]
    /// Value range of each regression relation's training targets (predictions are clamped to it).
    var valueRanges: [ClosedRange<Float>?] { evaluation.valueRanges }
    /// Per link relation with a count term (``TrainingConfiguration/countFeatures``): the counts of its
    /// training hyperedges without the validation split, which training and validation read, and of
    /// the validation split, which test scores add (``HyperedgeCounts``, ``countTables(relation:includingValidation:)``).
    let fitCounts: [HyperedgeCounts?]
    let validationCounts: [HyperedgeCounts?]

    public internal(set) var optimizer: Adam
    var generator: SeededGenerator
    var dropoutGenerators: [SeededGenerator]
    public internal(set) var epoch = 0
    public internal(set) var history: [EpochRecord] = []
    public internal(set) var bestEpoch = 0
    public internal(set) var bestScore = Double.infinity
    var bestSnapshot: [Matrix]? = nil
    /// Whether the best epoch's parameters are in ``bestParametersFile`` (BestParameters.swift).
    var bestSnapshotInFile = false
    /// Where early stopping keeps the best epoch's parameters (``keepBestParameters(in:)``); nil: in memory.
    public private(set) var bestParametersFile: URL?
    /// Epochs since the validation score last improved.
    public internal(set) var epochsWithoutImprovement = 0
    /// Wall time per phase of the training steps (see ``PhaseTimes``); reset it freely.
    public var phaseTimes = PhaseTimes()
    /// Exponential moving averages of the parameters (``TrainingConfiguration/parameterAveraging``).
    var parameterAverages: [Matrix]? = nil
    /// Bytes of gathered embedding rows that a sharded step exchanges (`Σ_steps K · |B| · d · 4`).
    public internal(set) var exchangedBytes = 0
    // MARK: Sharding state (Trainer+Sharding.swift)
    /// Bytes of gathered rows and of gathered item biases, summed over every step (see ``ExchangeVolume``).
    public internal(set) var exchangeVolume = ExchangeVolume()
    /// The same for the last step alone.
    public internal(set) var lastStepExchange = ExchangeVolume()
    /// The modality → shard assignment: round robin over `configuration.shards` until ``setShardPlan(_:)``.
    var shardAssignment: ShardPlan
    var shardExchange: any ShardExchange = InProcessExchange()
    /// Builds the engine that runs the steps (``use(_:)``; default: the CPU, one thread group per shard).
    var makeEngine: (Trainer) throws -> any TrainingStepping = { trainer in
        try trainer.engine(on: Array(repeating: CPUOperations(), count: trainer.shardPlan.shardCount))
    }
    /// The engine in use, built on first use and again after the shard plan, exchange or device changes.
    var builtEngine: (any TrainingStepping)? = nil
    /// What training holds fixed (an extension with `freeze`; see ``Trainer/init(extending:dataset:configuration:freeze:)``).
    public internal(set) var frozen = FrozenParts() { didSet { builtEngine = nil } }
    /// How the model this trainer extends maps onto its dataset (``init(extending:dataset:configuration:freeze:)``).
    public internal(set) var extensionMatch: ModelExtension? = nil

    public init(dataset: Dataset, configuration: TrainingConfiguration) throws {
        try configuration.validate()
        let name = configuration.earlyStoppingRelation
        if !name.isEmpty, dataset.relationIndex(named: name) == nil {
            throw HyperLearnError.invalidArgument("earlyStoppingRelation '\(name)' is not a relation of the dataset (relations: \(dataset.relations.map(\.name).joined(separator: ", ")))")
        }
        guard !dataset.relations.isEmpty else { throw HyperLearnError.invalidArgument("the dataset has no relation") }
        if configuration.threads > 0 { CPUKernels.setThreads(configuration.threads) }
        self.dataset = dataset
        self.configuration = configuration
        sizes = dataset.modalities.map(\.count)
        shardAssignment = try ShardPlan(shards: configuration.shards, modalities: sizes.count)
        var generator = SeededGenerator(seed: configuration.seed)
        var trainingSets = [HyperedgeSet](), validationSets = [HyperedgeSet]()
        for relation in dataset.relations {
            var order = Array(0..<relation.train.count)
            order.shuffle(using: &generator)
            let held = relation.train.count >= 20 ? Int(Float(relation.train.count) * configuration.validationFraction) : 0
            let heldOut = configuration.warmValidation
                ? Self.warmHoldOut(relation.train, order: order, count: held,
                                   sizes: relation.members.map { dataset.modalities[$0].count })
                : Array(order.prefix(held))
            var isHeld = [Bool](repeating: false, count: relation.train.count)
            for e in heldOut { isHeld[e] = true }
            validationSets.append(relation.train.uncheckedSubset(heldOut.sorted()))
            trainingSets.append(relation.train.uncheckedSubset((0..<relation.train.count).filter { !isHeld[$0] }))
        }
        self.trainingSets = trainingSets
        self.validationSets = validationSets
        let evaluation = EvaluationProtocol(dataset: dataset, valueRanges: EvaluationProtocol.valueRanges(of: dataset),
                                            rankingQueries: configuration.rankingQueries)
        self.evaluation = evaluation
        var validationNegatives = [HyperedgeSet?]()
        let sizes = self.sizes
        for (r, relation) in dataset.relations.enumerated() {
            if relation.task == .link && validationSets[r].count > 0 {
                var negativeGenerator = SeededGenerator(seed: configuration.seed &+ 0x5EED)
                validationNegatives.append(sampleNegatives(
                    for: validationSets[r], perPositive: 1, sizes: relation.members.map { sizes[$0] },
                    protocol: .corruptOne, known: evaluation.knownTraining[r], using: &negativeGenerator))
            } else {
                validationNegatives.append(nil)
            }
        }
        self.validationNegatives = validationNegatives
        validationNovel = dataset.relations.indices.map { r in
            dataset.relations[r].task == .link
                ? Self.novelPositions(of: validationSets[r], against: trainingSets[r],
                                      sizes: dataset.relations[r].members.map { sizes[$0] })
                : nil
        }
        func counts(_ sets: [HyperedgeSet]) throws -> [HyperedgeCounts?] {
            try zip(dataset.relations, sets).map { relation, set in
                configuration.hasCountTerm(relation.task)
                    ? try HyperedgeCounts(set, sizes: relation.members.map { sizes[$0] }) : nil
            }
        }
        fitCounts = try counts(trainingSets)
        validationCounts = try counts(validationSets)
        popularity = dataset.relations.indices.map { r in
            configuration.popularNegatives > 0 && dataset.relations[r].task == .link
                ? cumulativeDegrees(of: trainingSets[r], sizes: dataset.relations[r].members.map { sizes[$0] }) : nil
        }
        let trainingRelations = zip(dataset.relations, trainingSets).map { relation, set -> Relation in
            var restricted = relation
            restricted.train = set
            restricted.test = nil
            return restricted
        }
        model = try HyperLearnModel(dataset: dataset, trainingRelations: trainingRelations,
                                    configuration: configuration, using: &generator)
        // Start each regression relation's global bias at its mean target (faster, steadier start).
        for (r, relation) in dataset.relations.enumerated() where relation.task == .regression {
            if let values = trainingSets[r].values, !values.isEmpty {
                model.decoders[r].cp.globalBias.value.storage[0] = values.reduce(0, +) / Float(values.count)
            }
        }
        dropoutGenerators = model.encoders.map { _ in generator.split() }
        optimizer = Adam(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay,
                         decoupled: configuration.decoupledWeightDecay)
        self.generator = generator
    }

    /// Up to `count` hyperedges of `set`, taken in `order`, each of whose members keeps at least one
    /// training hyperedge once they are all held out (``TrainingConfiguration/warmValidation``).
    static func warmHoldOut(_ set: HyperedgeSet, order: [Int], count: Int, sizes: [Int]) -> [Int] {
        let p = set.order
        var remaining = sizes.map { [Int32](repeating: 0, count: $0) }
        for (k, item) in set.members.enumerated() { remaining[k % p][Int(item)] += 1 }
        var heldOut = [Int]()
        heldOut.reserveCapacity(count)
        for e in order where heldOut.count < count {
            guard (0..<p).allSatisfy({ remaining[$0][Int(set.members[e * p + $0])] >= 2 }) else { continue }
            for j in 0..<p { remaining[j][Int(set.members[e * p + j])] -= 1 }
            heldOut.append(e)
        }
        return heldOut
    }

    // MARK: Training

    /// Steps per epoch: the largest relation's positives divided by the batch size. A frozen relation
    /// counts too, so that an extension's new relations get the batches joint training would give them.
    public var stepsPerEpoch: Int {
        let largest = trainingSets.map(\.count).max() ?? 0
        return configuration.batchSize == 0 ? 1 : max(1, (largest + configuration.batchSize - 1) / configuration.batchSize)
    }

    /// Runs one epoch (shuffles, then ``stepsPerEpoch`` steps over every relation), evaluates the
    /// validation split and updates the early-stopping state.
    @discardableResult
    public func trainEpoch() throws -> EpochRecord {
        let start = DispatchTime.now()
        let steps = stepsPerEpoch
        let orders = shuffledOrders()
        let engine = try currentEngine()
        let lossSum = try withParametersOnEngine(engine) {
            for s in 0..<steps { try step(engine, batches: Self.batches(s, of: steps, orders)) }
            return try engine.takeLoss()
        }
        synchronizeShards()
        let loss = lossSum / Double(steps)
        guard loss.isFinite else {
            throw HyperLearnError.numerical("training loss became \(loss) at epoch \(epoch + 1); lower the learning rate")
        }
        epoch += 1
        optimizer.learningRate *= configuration.learningRateDecay
        let (score, details) = try withAveragedParameters { try validationScore() }
        if let score {
            if score < bestScore {
                // Kept first: if the write fails, the best score and epoch still describe what is kept.
                try keepBest(parameterAverages ?? model.parameters.map(\.value))
                bestScore = score
                bestEpoch = epoch
                epochsWithoutImprovement = 0
            } else {
                epochsWithoutImprovement += 1
            }
        } else {
            bestEpoch = epoch
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        let record = EpochRecord(epoch: epoch, loss: loss, validationScore: score, validation: details,
                                 seconds: seconds, learningRate: optimizer.learningRate)
        history.append(record)
        return record
    }

    /// Trains the first `count` steps of a new epoch's shuffled order (at most ``stepsPerEpoch``) and
    /// returns each step's seconds, without validating or counting an epoch: a benchmark's sample of
    /// an epoch that would take hours.
    public func timeSteps(_ count: Int) throws -> [Double] {
        guard count >= 1 else { throw HyperLearnError.invalidArgument("timeSteps: count must be ≥ 1, got \(count)") }
        let steps = stepsPerEpoch
        let orders = shuffledOrders()
        let engine = try currentEngine()
        let seconds = try withParametersOnEngine(engine) {
            let seconds = try (0..<min(count, steps)).map { s in
                let start = DispatchTime.now().uptimeNanoseconds
                try step(engine, batches: Self.batches(s, of: steps, orders))
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            _ = try engine.takeLoss()
            return seconds
        }
        synchronizeShards()
        return seconds
    }

    /// Each relation's training positives in this epoch's order (shuffled when an epoch has several
    /// steps). A frozen relation trains nothing: its order is empty.
    private func shuffledOrders() -> [[Int]] {
        var orders = trainingSets.indices.map { frozen.relations.contains($0) ? [] : Array(0..<trainingSets[$0].count) }
        if stepsPerEpoch > 1 { for r in orders.indices { orders[r].shuffle(using: &generator) } }
        return orders
    }

    /// Step `s`'s share of each relation's order, of `steps` equal shares.
    private static func batches(_ s: Int, of steps: Int, _ orders: [[Int]]) -> [[Int]] {
        orders.map { order in Array(order[(order.count * s / steps)..<(order.count * (s + 1) / steps)]) }
    }

    /// Whether early stopping asks to stop.
    public var shouldStop: Bool {
        epoch >= configuration.epochs
            || (configuration.patience > 0 && epochsWithoutImprovement >= configuration.patience)
    }

    /// Trains until ``TrainingConfiguration/epochs`` or early stopping, then restores the parameters
    /// of the best validation epoch. `afterEpoch` sees each record (progress, checkpoints).
    public func fit(afterEpoch: ((EpochRecord) throws -> Void)? = nil) throws {
        while !shouldStop {
            let record = try trainEpoch()
            try afterEpoch?(record)
        }
        try restoreBest()
    }

    /// Keeps the best epoch's parameters in `file` from now on, moving any already kept there; nil keeps
    /// them in memory (the default), a copy of every parameter beside the live ones. The trainer writes
    /// the file atomically at each improvement and reads it back in ``restoreBest()`` and in checkpoints;
    /// the caller removes it when done. `hyperlearn train` keeps it in the run's folder while it trains.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when the file cannot be written or the one kept
    ///   before cannot be read.
    public func keepBestParameters(in file: URL?) throws {
        let current = try bestParameters()
        bestParametersFile = file
        if let current { try keepBest(current) }
    }

    /// Puts back the parameters of the best validation epoch (the averaged ones when averaging);
    /// without a validation split, the averages of the last step when averaging, else a no-op.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when they are kept in ``bestParametersFile`` and
    ///   it cannot be read back.
    public func restoreBest() throws {
        guard let snapshot = try bestParameters() ?? parameterAverages else { return }
        for (parameter, value) in zip(model.parameters, snapshot) { parameter.value = value }
    }

    /// Runs `body` with the averaged parameters in place (when averaging), then puts the live ones back.
    func withAveragedParameters<T>(_ body: () throws -> T) rethrows -> T {
        guard let averages = parameterAverages else { return try body() }
        let parameters = model.parameters
        let live = parameters.map(\.value)
        for (parameter, average) in zip(parameters, averages) { parameter.value = average }
        defer { for (parameter, value) in zip(parameters, live) { parameter.value = value } }
        return try body()
    }

    /// The hyperedges one step decodes for relation `r`: the positives at `indices` of its training
    /// set and, for a link relation, ``TrainingConfiguration/negatives`` corrupt-one negatives per
    /// positive (drawn from the trainer's generator, rejecting known training positives) after them.
    /// With a count term, also where their count features come from, each positive leaving itself out
    /// of the counts and each negative the positive it was drawn from (``CountFeatureSource``).
    func trainingBatch(relation r: Int, indices: [Int]) -> (hyperedges: HyperedgeSet, positivesEnd: Int, targets: [Float]?,
                                                             counts: CountFeatureSource?) {
        let relation = dataset.relations[r]
        let positives = trainingSets[r].uncheckedSubset(indices)
        var hyperedges = positives
        if relation.task == .link {
            timed(&phaseTimes.negativeSampling) {
                let negatives = sampleNegatives(
                    for: positives, perPositive: configuration.negatives, sizes: relation.members.map { sizes[$0] },
                    protocol: .corruptOne, known: knownTraining[r],
                    popular: popularity[r].map { (configuration.popularNegatives, $0) }, using: &generator)
                hyperedges.members.append(contentsOf: negatives.members)
            }
        }
        let counts = fitCounts[r].map { table in
            CountFeatureSource(fit: table, training: .init(
                positiveFeatures: table.features(positives.members, leaveOut: (0..<positives.count).map { Int32($0) }),
                positives: positives.count, perPositive: configuration.negatives))
        }
        return (hyperedges, positives.count, positives.values, counts)
    }

    // MARK: Inference

    /// Every modality's embeddings `Z_m` (evaluation mode: no dropout), computed on the engine's devices.
    public func embeddings() -> [Matrix] {
        evaluating { try $0.embeddings(parameterValues: model.parameters.map(\.value)) }
    }

    /// Scores of `hyperedges` under relation `r` (raw, not clamped), as the test split is scored (a count
    /// term reads the counts of every training hyperedge). Throws when `r` is not a relation, the
    /// hyperedges' order differs from the relation's, or a member index is outside its modality.
    public func scores(relation r: Int, hyperedges: HyperedgeSet, embeddings: [Matrix]? = nil) throws -> [Float] {
        try checkHyperedges(hyperedges, relation: r)
        if let embeddings { try checkEmbeddings(embeddings, operation: "scores") }
        return rawScores(relation: r, hyperedges: hyperedges, embeddings: embeddings)
    }

    /// Throws unless `embeddings` has one table per modality of its items × ``TrainingConfiguration/dimensions``.
    func checkEmbeddings(_ embeddings: [Matrix], operation: String) throws {
        guard embeddings.count == sizes.count,
              zip(embeddings, sizes).allSatisfy({ $0.rows == $1 && $0.columns == configuration.dimensions }) else {
            throw HyperLearnError.invalidArgument("\(operation): embeddings of shapes \(embeddings.map { "\($0.rows)×\($0.columns)" }) for modalities of \(sizes) items and dimension \(configuration.dimensions)")
        }
    }

    /// The count tables relation `r`'s count term reads (none without one): the fit split's, which
    /// training and validation read, and with `includingValidation` the validation split's too, so that
    /// the test split and the model archive count every training hyperedge.
    func countTables(relation r: Int, includingValidation: Bool) -> [HyperedgeCounts] {
        guard let fit = fitCounts[r] else { return [] }
        return includingValidation ? [fit] + (validationCounts[r].map { [$0] } ?? []) : [fit]
    }

    /// ``scores(relation:hyperedges:embeddings:)`` for hyperedges already known to fit relation `r`; a count
    /// term reads every training hyperedge's counts, or the fit split's alone when `validationCounted`
    /// is false (the validation split's own scores).
    func rawScores(relation r: Int, hyperedges: HyperedgeSet, embeddings: [Matrix]? = nil, validationCounted: Bool = true) -> [Float] {
        guard hyperedges.count > 0 else { return [] }
        let z = embeddings ?? self.embeddings()
        let tables = countTables(relation: r, includingValidation: validationCounted)
        let features = tables.isEmpty ? nil : CountFeatureSource(tables: tables)
        return evaluating {
            try $0.scores(relation: r, members: hyperedges.members, counts: features, embeddings: z,
                          parameterValues: model.parameters.map(\.value))
        }
    }

    /// Throws unless `hyperedges` can be scored under relation `r`.
    func checkHyperedges(_ hyperedges: HyperedgeSet, relation r: Int) throws {
        guard dataset.relations.indices.contains(r) else {
            throw HyperLearnError.invalidArgument("relation \(r) does not exist (the dataset has \(dataset.relations.count))")
        }
        let relation = dataset.relations[r]
        guard hyperedges.order == relation.order else {
            throw HyperLearnError.invalidArgument("relation '\(relation.name)' has order \(relation.order); the hyperedges have order \(hyperedges.order)")
        }
        let p = relation.order
        for (position, item) in hyperedges.members.enumerated() {
            let size = sizes[relation.members[position % p]]
            guard item >= 0 && Int(item) < size else {
                throw HyperLearnError.invalidArgument("hyperedge \(position / p) of relation '\(relation.name)': member \(position % p) is item \(item), outside 0..<\(size)")
            }
        }
    }

    /// Runs an evaluation on the engine. A device that fails mid-evaluation is reported on standard
    /// error and the evaluation repeated on the CPU engine, so that a finished run still reports.
    func evaluating<T>(_ body: (any TrainingStepping) throws -> T) -> T {
        do {
            return try body(try currentEngine())
        } catch {
            FileHandle.standardError.write(Data("warning: evaluation on \(deviceDescription) failed (\(error)); evaluating on the CPU\n".utf8))
            do {
                return try body(try engine(on: Array(repeating: CPUOperations(), count: shardPlan.shardCount)))
            } catch {
                preconditionFailure("CPU evaluation cannot fail once the trainer is built: \(error)")
            }
        }
    }

    /// Scores clamped to the training targets' range for valued relations; raw scores for link relations.
    public func predictions(relation r: Int, hyperedges: HyperedgeSet, embeddings: [Matrix]? = nil) throws -> [Float] {
        clamped(try scores(relation: r, hyperedges: hyperedges, embeddings: embeddings), relation: r)
    }

    /// Raw scores of relation `r` clamped to its training targets' range (unchanged without targets).
    func clamped(_ raw: [Float], relation r: Int) -> [Float] { evaluation.clamped(raw, relation: r) }

    /// The validation score (lower is better) and per-relation validation metrics.
    func validationScore() throws -> (Double?, [String: [String: Double]]) {
        guard validationSets.contains(where: { $0.count > 0 }) else { return (nil, [:]) }
        let z = embeddings()
        var total = 0.0, counted = 0
        var details = [String: [String: Double]]()
        for (r, relation) in dataset.relations.enumerated() where validationSets[r].count > 0 {
            let set = validationSets[r]
            let counts = configuration.earlyStoppingRelation.isEmpty || configuration.earlyStoppingRelation == relation.name
            switch relation.task {
            case .regression:
                let rmse = try Metrics.rootMeanSquaredError(clamped(rawScores(relation: r, hyperedges: set, embeddings: z,
                                                                              validationCounted: false), relation: r), set.values ?? [])
                details[relation.name] = ["rmse": rmse]
                if counts { total += rmse }
            case .link:
                guard let negatives = validationNegatives[r] else { continue }
                let positiveScores = rawScores(relation: r, hyperedges: set, embeddings: z, validationCounted: false)
                let negativeScores = rawScores(relation: r, hyperedges: negatives, embeddings: z, validationCounted: false)
                let auc = try Metrics.areaUnderROC(positives: positiveScores, negatives: negativeScores)
                details[relation.name] = ["auc": auc]
                if let novel = validationNovel[r] {
                    details[relation.name]?["auc_novel"] = try Metrics.areaUnderROC(positives: novel.map { positiveScores[$0] },
                                                                                    negatives: negativeScores)
                }
                if counts { total += 1 - auc }
            }
            if counts { counted += 1 }
        }
        return (counted > 0 ? total / Double(counted) : nil, details)
    }

    /// The positions of `validation`'s hyperedges that `fit` does not hold; `nil` unless some are held
    /// and some are not (so `auc_novel` says something `auc` does not).
    static func novelPositions(of validation: HyperedgeSet, against fit: HyperedgeSet, sizes: [Int]) -> [Int]? {
        guard validation.count > 0 else { return nil }
        var held = HyperedgeKeys(sizes: sizes)
        held.insert(validation)
        var repeated = HyperedgeKeys(sizes: sizes)
        for e in 0..<fit.count {
            let key = held.key(fit[e])
            if held.contains(key: key) { repeated.insert(key: key) }
        }
        guard repeated.count > 0 else { return nil }
        let novel = (0..<validation.count).filter { !repeated.contains(validation[$0]) }
        return novel.isEmpty ? nil : novel
    }
}
