import Foundation

/// One epoch's record: training loss, validation score and metrics, time.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Mean training loss over the epoch's steps (all relations, weighted, plus smoothness).
    public var loss: Double
    /// The early-stopping score on the validation split (lower is better: RMSE for regression,
    /// 1 − AUC for link relations, averaged over relations); `nil` without a validation split.
    public var validationScore: Double?
    /// Per relation, the validation metrics (`rmse`, or `auc`).
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
    /// Known positives of each relation: training (validation included), and training ∪ test.
    let knownTraining: [HyperedgeKeys]
    let knownAll: [HyperedgeKeys]
    /// Fixed corrupt-one negatives of the validation split (link relations).
    let validationNegatives: [HyperedgeSet?]
    /// Value range of each regression relation's training targets (predictions are clamped to it).
    let valueRanges: [ClosedRange<Float>?]

    public internal(set) var optimizer: Adam
    var generator: SeededGenerator
    var dropoutGenerators: [SeededGenerator]
    public internal(set) var epoch = 0
    public internal(set) var history: [EpochRecord] = []
    public internal(set) var bestEpoch = 0
    public internal(set) var bestScore = Double.infinity
    var bestSnapshot: [Matrix]? = nil
    /// Epochs since the validation score last improved.
    public internal(set) var epochsWithoutImprovement = 0
    /// Wall time per phase of the training steps (see ``PhaseTimes``); reset it freely.
    public var phaseTimes = PhaseTimes()
    /// Exponential moving averages of the parameters (``TrainingConfiguration/parameterAveraging``).
    var parameterAverages: [Matrix]? = nil
    /// Per relation, the decoder's reusable buffers.
    var decoderWorkspaces: [Int: DecoderWorkspace] = [:]
    /// Bytes of gathered embedding rows that a sharded step exchanges (`Σ_steps K · |B| · d · 4`).
    public internal(set) var exchangedBytes = 0
    // MARK: Sharding state (Trainer+Sharding.swift)
    /// Bytes of gathered rows and of gathered item biases, summed over every step (see ``ExchangeVolume``).
    public internal(set) var exchangeVolume = ExchangeVolume()
    /// The same for the last step alone.
    public internal(set) var lastStepExchange = ExchangeVolume()
    /// An explicit modality → shard assignment; `nil`: round robin over `configuration.shards`.
    var shardAssignment: ShardPlan? = nil
    var shardExchange: any ShardExchange = InProcessExchange()
    /// The engine that runs the steps on a device (``use(_:)``); `nil`: the CPU path below.
    var deviceEngine: (any DeviceStepping)? = nil

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
        var generator = SeededGenerator(seed: configuration.seed)
        var trainingSets = [HyperedgeSet](), validationSets = [HyperedgeSet]()
        for relation in dataset.relations {
            var order = Array(0..<relation.train.count)
            order.shuffle(using: &generator)
            let held = relation.train.count >= 20 ? Int(Float(relation.train.count) * configuration.validationFraction) : 0
            validationSets.append(relation.train.uncheckedSubset(Array(order.prefix(held)).sorted()))
            trainingSets.append(relation.train.uncheckedSubset(Array(order.dropFirst(held)).sorted()))
        }
        self.trainingSets = trainingSets
        self.validationSets = validationSets
        var knownTraining = [HyperedgeKeys](), knownAll = [HyperedgeKeys]()
        for relation in dataset.relations {
            let relationSizes = relation.members.map { dataset.modalities[$0].count }
            var keys = HyperedgeKeys(sizes: relationSizes)
            keys.insert(relation.train)
            knownTraining.append(keys)
            if let test = relation.test { keys.insert(test) }
            knownAll.append(keys)
        }
        self.knownTraining = knownTraining
        self.knownAll = knownAll
        var validationNegatives = [HyperedgeSet?]()
        let sizes = self.sizes
        for (r, relation) in dataset.relations.enumerated() {
            if relation.task == .link && validationSets[r].count > 0 {
                var negativeGenerator = SeededGenerator(seed: configuration.seed &+ 0x5EED)
                validationNegatives.append(sampleNegatives(
                    for: validationSets[r], perPositive: 1, sizes: relation.members.map { sizes[$0] },
                    protocol: .corruptOne, known: knownTraining[r], using: &negativeGenerator))
            } else {
                validationNegatives.append(nil)
            }
        }
        self.validationNegatives = validationNegatives
        valueRanges = dataset.relations.map { relation in
            guard relation.task == .regression, let values = relation.train.values,
                  let low = values.min(), let high = values.max() else { return nil }
            return low...high
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

    // MARK: Training

    /// Steps per epoch: the largest relation's positives divided by the batch size.
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
        var orders = trainingSets.map { Array(0..<$0.count) }
        if steps > 1 { for r in orders.indices { orders[r].shuffle(using: &generator) } }
        var lossSum = 0.0
        if let deviceEngine { try deviceEngine.upload(model.parameters, averages: parameterAverages) }
        for s in 0..<steps {
            let batches = orders.map { order in
                Array(order[(order.count * s / steps)..<(order.count * (s + 1) / steps)])
            }
            if let deviceEngine {
                try deviceStep(deviceEngine, batches: batches)
            } else {
                lossSum += step(batches: batches)
            }
        }
        if let deviceEngine {
            lossSum = try deviceEngine.takeLoss()
            parameterAverages = try deviceEngine.download(into: model.parameters)
        } else {
            synchronizeShards()
        }
        let loss = lossSum / Double(steps)
        guard loss.isFinite else {
            throw HyperLearnError.numerical("training loss became \(loss) at epoch \(epoch + 1); lower the learning rate")
        }
        epoch += 1
        optimizer.learningRate *= configuration.learningRateDecay
        let (score, details) = withAveragedParameters { validationScore() }
        if let score {
            if score < bestScore {
                bestScore = score
                bestEpoch = epoch
                bestSnapshot = parameterAverages ?? model.parameters.map(\.value)
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
        restoreBest()
    }

    /// Puts back the parameters of the best validation epoch (the averaged ones when averaging);
    /// without a validation split, the averages of the last step when averaging, else a no-op.
    public func restoreBest() {
        guard let snapshot = bestSnapshot ?? parameterAverages else { return }
        for (parameter, value) in zip(model.parameters, snapshot) { parameter.value = value }
    }

    /// `avg = β avg + (1 − β) value` for every parameter (starting from the first values).
    func updateAverages() {
        let beta = configuration.parameterAveraging
        guard beta > 0 else { return }
        let parameters = model.parameters
        guard var averages = parameterAverages else {
            parameterAverages = parameters.map(\.value)
            return
        }
        parameterAverages = nil  // unique ownership while updating
        for (index, parameter) in parameters.enumerated() {
            averages[index].scale(by: beta)
            averages[index].uncheckedAdd(parameter.value, scaledBy: 1 - beta)
        }
        parameterAverages = averages
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

    /// One optimisation step over the given positives of each relation (indices into ``trainingSets``).
    /// Returns the step's loss.
    func step(batches: [[Int]]) -> Double {
        let loss = computeGradients(batches: batches)
        timed(&phaseTimes.optimizer) {
            optimizer.advance()
            updateShardParameters()
            updateAverages()
        }
        return loss
    }

    /// The loss of one step and, in every parameter's `gradient`, its gradient (no update).
    func computeGradients(batches: [[Int]]) -> Double {
        let parameters = model.parameters
        for parameter in parameters { parameter.zeroGradient() }
        let encoders = model.encoders
        lastStepExchange = ExchangeVolume()
        // 1. Every local modality's embeddings, one shard per thread group (each encoder draws dropout
        //    from its own stream); other processes' modalities stay empty and arrive as gathered rows.
        var embeddings = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: encoders.count)
        timed(&phaseTimes.encoderForward) {
            embeddings.withUnsafeMutableBufferPointer { z in
                dropoutGenerators.withUnsafeMutableBufferPointer { generators in
                    forEachLocalShard { modalities in
                        for m in modalities { z[m] = encoders[m].forward(training: true, using: &generators[m]) }
                    }
                }
            }
        }
        var embeddingGradients = embeddings.map { Matrix(rows: $0.rows, columns: $0.columns) }
        var biasGradients = sizes.map { [Float](repeating: 0, count: $0) }
        var loss = 0.0
        // 2–4. Per relation: gather, decode, loss gradient, scatter back.
        for (r, relation) in dataset.relations.enumerated() where !batches[r].isEmpty {
            let batch = trainingBatch(relation: r, indices: batches[r])
            loss += Double(relation.weight) * decodeAccumulating(
                relation: r, hyperedges: batch.hyperedges, positivesEnd: batch.positivesEnd, targets: batch.targets,
                embeddings: embeddings, embeddingGradients: &embeddingGradients, biasGradients: &biasGradients)
        }
        // Smoothness, then each local encoder's backward pass, one shard per thread group.
        let start = DispatchTime.now().uptimeNanoseconds
        var smoothness = [Double](repeating: 0, count: encoders.count)
        let gamma = configuration.smoothness
        smoothness.withUnsafeMutableBufferPointer { smoothness in
            embeddingGradients.withUnsafeMutableBufferPointer { dZ in
                forEachLocalShard { modalities in
                    for m in modalities {
                        if gamma > 0, let propagation = encoders[m].propagation {
                            smoothness[m] = smoothnessLoss(embeddings[m], propagation: propagation, weight: gamma, gradient: &dZ[m])
                        }
                        encoders[m].backward(dZ[m])
                        for i in 0..<sizes[m] { encoders[m].itemBias.gradient.storage[i] += biasGradients[m][i] }
                    }
                }
            }
        }
        if gamma > 0 { exchanging { try shardExchange.allReduceSum(&smoothness) } }
        for m in encoders.indices where gamma > 0 && encoders[m].propagation != nil { loss += smoothness[m] }
        phaseTimes.encoderBackward += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        exchangeVolume += lastStepExchange
        return loss
    }

    /// The hyperedges one step decodes for relation `r`: the positives at `indices` of its training
    /// set and, for a link relation, ``TrainingConfiguration/negatives`` corrupt-one negatives per
    /// positive (drawn from the trainer's generator, rejecting known training positives) after them.
    func trainingBatch(relation r: Int, indices: [Int]) -> (hyperedges: HyperedgeSet, positivesEnd: Int, targets: [Float]?) {
        let relation = dataset.relations[r]
        let positives = trainingSets[r].uncheckedSubset(indices)
        var hyperedges = positives
        if relation.task == .link {
            timed(&phaseTimes.negativeSampling) {
                let negatives = sampleNegatives(
                    for: positives, perPositive: configuration.negatives, sizes: relation.members.map { sizes[$0] },
                    protocol: .corruptOne, known: knownTraining[r], using: &generator)
                hyperedges.members.append(contentsOf: negatives.members)
            }
        }
        return (hyperedges, positives.count, positives.values)
    }

    /// Scores `hyperedges` of relation `r` chunk by chunk, adds the loss gradient of each chunk to the
    /// member embeddings' and biases' gradients, and returns the (unweighted) loss. Rows below
    /// `positivesEnd` are positives (or valued hyperedges with `targets`); the rest are negatives.
    func decodeAccumulating(relation r: Int, hyperedges: HyperedgeSet, positivesEnd: Int, targets: [Float]?,
                            embeddings: [Matrix], embeddingGradients: inout [Matrix],
                            biasGradients: inout [[Float]]) -> Double {
        let relation = dataset.relations[r]
        let decoder = model.decoders[r]
        let p = relation.order, d = configuration.dimensions
        let total = hyperedges.count
        // Decoder workspaces live across steps: allocating tens of megabytes per step costs page faults.
        if decoderWorkspaces[r] == nil || decoderWorkspaces[r]!.gathered.capacity < min(configuration.chunkSize, total) {
            decoderWorkspaces[r] = DecoderWorkspace(order: p, capacity: min(configuration.chunkSize, total), dimensions: d)
        }
        var workspace = decoderWorkspaces[r]!
        decoderWorkspaces[r] = nil  // unique ownership while in use, so writes do not copy
        defer { decoderWorkspaces[r] = workspace }
        let chunk = workspace.gathered.capacity
        let weight = relation.weight
        let plan = shardPlan, local = localModalityMask
        var loss = 0.0
        var start = 0
        while start < total {
            let count = min(chunk, total - start)
            // Each shard gathers its members' rows; the exchange all-gathers them to every shard.
            timed(&phaseTimes.gather) { exchanging {
                try shardExchange.allGather(&workspace.gathered, biases: &workspace.biases, count: count,
                                            members: relation.members, plan: plan) { j, gathered, biases in
                    gatherMember(j, of: relation, hyperedges: hyperedges, range: start..<(start + count),
                                 embeddings: embeddings, into: &gathered, biases: &biases)
                }
            } }
            exchangedBytes += p * count * d * MemoryLayout<Float>.size
            lastStepExchange += ExchangeVolume(rowBytes: p * count * d * MemoryLayout<Float>.size,
                                               biasBytes: p * count * MemoryLayout<Float>.size)
            let decoderStart = DispatchTime.now().uptimeNanoseconds
            decoder.forward(workspace.gathered, biases: workspace.biases, count: count, into: &workspace.scores)
            let normalizer = Float(total) / weight
            if let targets {
                loss += squaredErrorLoss(scores: workspace.scores[0..<count], targets: targets[start..<(start + count)],
                                         normalizer: normalizer, gradient: &workspace.gradient) * Double(normalizer) / Double(total)
            } else {
                // Split the chunk at the positive/negative boundary.
                let positiveCount = max(0, min(count, positivesEnd - start))
                if positiveCount > 0 {
                    loss += logisticLoss(scores: workspace.scores[0..<positiveCount], label: true, normalizer: normalizer,
                                         gradient: &workspace.gradient) * Double(normalizer) / Double(total)
                }
                if positiveCount < count {
                    loss += logisticLoss(scores: workspace.scores[positiveCount..<count], label: false, normalizer: normalizer,
                                         gradient: &workspace.part) * Double(normalizer) / Double(total)
                    for e in positiveCount..<count { workspace.gradient[e] = workspace.part[e - positiveCount] }
                }
            }
            decoder.backward(workspace.gathered, count: count, scoreGradient: workspace.gradient,
                             gatheredGradients: &workspace.gatheredGradients)
            if configuration.embeddingRegularization > 0 {
                loss += CPUKernels.addL2Penalty(workspace.gathered.rows, blocks: p, capacity: chunk, count: count,
                                                weight: configuration.embeddingRegularization / normalizer,
                                                gradient: &workspace.gatheredGradients.rows) * Double(normalizer) / Double(total)
            }
            let scatterStart = DispatchTime.now().uptimeNanoseconds
            phaseTimes.decoder += Double(scatterStart - decoderStart) / 1e9
            for j in 0..<p where local[relation.members[j]] {
                let m = relation.members[j]
                CPUKernels.scatterAddRows(workspace.gatheredGradients.rows, sourceRow: j * chunk, count: count,
                                          indices: hyperedges.members, stride: p, offset: j, rangeStart: start,
                                          into: &embeddingGradients[m])
                for e in 0..<count { biasGradients[m][Int(hyperedges.members[(start + e) * p + j])] += workspace.gradient[e] }
            }
            phaseTimes.scatter += Double(DispatchTime.now().uptimeNanoseconds - scatterStart) / 1e9
            start += count
        }
        return loss
    }

    // MARK: Inference

    /// Every modality's embeddings `Z_m` (evaluation mode: no dropout).
    public func embeddings() -> [Matrix] {
        var unused = SeededGenerator(seed: 0)
        return model.encoders.map { $0.forward(training: false, using: &unused) }
    }

    /// Scores of `hyperedges` under relation `r` (raw, not clamped).
    public func scores(relation r: Int, hyperedges: HyperedgeSet, embeddings: [Matrix]? = nil) -> [Float] {
        let z = embeddings ?? self.embeddings()
        let relation = dataset.relations[r]
        let p = relation.order, d = configuration.dimensions
        let chunk = max(1, min(configuration.chunkSize, hyperedges.count))
        var gathered = GatheredRows(order: p, capacity: chunk, dimensions: d)
        var biases = [[Float]](repeating: [Float](repeating: 0, count: chunk), count: p)
        var chunkScores = [Float](repeating: 0, count: chunk)
        var result = [Float]()
        result.reserveCapacity(hyperedges.count)
        var start = 0
        while start < hyperedges.count {
            let count = min(chunk, hyperedges.count - start)
            for j in 0..<p {
                gatherMember(j, of: relation, hyperedges: hyperedges, range: start..<(start + count),
                             embeddings: z, into: &gathered, biases: &biases)
            }
            model.decoders[r].forward(gathered, biases: biases, count: count, into: &chunkScores)
            result.append(contentsOf: chunkScores[0..<count])
            start += count
        }
        return result
    }

    /// Copies member `j`'s embedding rows and item biases for the hyperedges in `range` into block `j`
    /// of `gathered` and row `j` of `biases` (the decoder's inputs).
    func gatherMember(_ j: Int, of relation: Relation, hyperedges: HyperedgeSet, range: Range<Int>,
                      embeddings: [Matrix], into gathered: inout GatheredRows, biases: inout [[Float]]) {
        let m = relation.members[j], p = relation.order
        CPUKernels.gatherRows(embeddings[m], indices: hyperedges.members, stride: p, offset: j,
                              range: range, into: &gathered.rows, outputRow: j * gathered.capacity)
        let bias = model.encoders[m].itemBias.value.storage
        for (e, h) in range.enumerated() { biases[j][e] = bias[Int(hyperedges.members[h * p + j])] }
    }

    /// Scores clamped to the training targets' range for valued relations; raw scores for link relations.
    public func predictions(relation r: Int, hyperedges: HyperedgeSet, embeddings: [Matrix]? = nil) -> [Float] {
        clamped(scores(relation: r, hyperedges: hyperedges, embeddings: embeddings), relation: r)
    }

    /// Raw scores of relation `r` clamped to its training targets' range (unchanged without targets).
    func clamped(_ raw: [Float], relation r: Int) -> [Float] {
        guard let range = valueRanges[r] else { return raw }
        return raw.map { min(max($0, range.lowerBound), range.upperBound) }
    }

    /// The validation score (lower is better) and per-relation validation metrics.
    func validationScore() -> (Double?, [String: [String: Double]]) {
        guard validationSets.contains(where: { $0.count > 0 }) else { return (nil, [:]) }
        let z = embeddings()
        var total = 0.0, counted = 0
        var details = [String: [String: Double]]()
        for (r, relation) in dataset.relations.enumerated() where validationSets[r].count > 0 {
            let set = validationSets[r]
            let counts = configuration.earlyStoppingRelation.isEmpty || configuration.earlyStoppingRelation == relation.name
            switch relation.task {
            case .regression:
                let rmse = Metrics.rootMeanSquaredError(predictions(relation: r, hyperedges: set, embeddings: z), set.values ?? [])
                details[relation.name] = ["rmse": rmse]
                if counts { total += rmse }
            case .link:
                guard let negatives = validationNegatives[r] else { continue }
                let auc = Metrics.areaUnderROC(positives: scores(relation: r, hyperedges: set, embeddings: z),
                                               negatives: scores(relation: r, hyperedges: negatives, embeddings: z))
                details[relation.name] = ["auc": auc]
                if counts { total += 1 - auc }
            }
            if counts { counted += 1 }
        }
        return (counted > 0 ? total / Double(counted) : nil, details)
    }
}

/// Buffers one relation's decoder reuses from chunk to chunk and step to step.
struct DecoderWorkspace {
    var gathered: GatheredRows
    var gatheredGradients: GatheredRows
    var biases: [[Float]]
    var scores: [Float]
    var gradient: [Float]
    var part: [Float]

    init(order: Int, capacity: Int, dimensions: Int) {
        gathered = GatheredRows(order: order, capacity: capacity, dimensions: dimensions)
        gatheredGradients = gathered
        biases = [[Float]](repeating: [Float](repeating: 0, count: capacity), count: order)
        scores = [Float](repeating: 0, count: capacity)
        gradient = scores
        part = scores
    }
}
