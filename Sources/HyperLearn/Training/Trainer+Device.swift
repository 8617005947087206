/// Where a ``Trainer`` runs its training steps.
public enum ComputeDevice: Sendable, Equatable, CustomStringConvertible {
    /// The CPU path: BLAS, the fused decoder kernels, sharding across thread groups.
    case cpu
    /// CUDA device `N`, through the run-time loaded ``CUDABackend``.
    case cuda(Int)

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let ordinal): "cuda:\(ordinal)"
        }
    }
}

extension Trainer {
    /// Runs the training steps, validation and scoring on `device` from now on, every shard of
    /// ``shardPlan`` on it.
    ///
    /// On a CUDA device the graphs, features and parameters are uploaded once; each step uploads only
    /// its hyperedge indices (negatives are drawn on the host), and parameters come back at the end of
    /// each epoch for checkpoints and export. Throws when the device cannot be opened (the error says why).
    public func use(_ device: ComputeDevice) throws {
        switch device {
        case .cpu:
            makeEngine = { trainer in try trainer.engine(on: Array(repeating: CPUOperations(), count: trainer.shardPlan.shardCount)) }
            builtEngine = nil
        case .cuda(let ordinal): try use(cudaDevices: Array(repeating: ordinal, count: shardPlan.shardCount))
        }
    }

    /// One CUDA device per shard of ``shardPlan`` (`--devices 0,1,2`; a device may repeat): each
    /// shard's modalities train on their device, the decoder on the first shard's. Set the shard plan
    /// (``TrainingConfiguration/shards`` or ``setShardPlan(_:)``) first. With an MPI exchange, each
    /// process opens only the devices of its own shards.
    public func use(cudaDevices ordinals: [Int]) throws {
        guard ordinals.count == shardPlan.shardCount else {
            throw HyperLearnError.invalidArgument("\(ordinals.count) CUDA device(s) \(ordinals) for \(shardPlan.shardCount) shard(s) (\(shardPlan)); give one device per shard")
        }
        let localShards = try shardExchange.localShards(of: shardPlan)
        var opened = [Int: CUDABackend]()
        for s in localShards where opened[ordinals[s]] == nil { opened[ordinals[s]] = try CUDABackend(device: ordinals[s]) }
        // Shards of other processes run elsewhere; here they share the first local device (evaluation only).
        let fallback = opened[ordinals[localShards.first ?? 0]]!
        let backends = ordinals.map { opened[$0] ?? fallback }
        try attach(backends)
    }

    /// Where the steps run, in words.
    public var deviceDescription: String { (try? currentEngine().deviceDescription) ?? "cpu" }

    /// Runs the steps through the engine on `operations`, one per shard of ``shardPlan``.
    func attach<Operations: TensorOperations>(_ operations: [Operations]) throws {
        let count = operations.count
        guard count == shardPlan.shardCount else {
            throw HyperLearnError.invalidArgument("\(count) device(s) for \(shardPlan.shardCount) shard(s); give one device per shard")
        }
        makeEngine = { trainer in try trainer.engine(on: operations) }
        builtEngine = try makeEngine(self)
    }

    /// Runs the steps through the engine on one device that holds every shard.
    func attach<Operations: TensorOperations>(_ operations: Operations) throws {
        try attach(Array(repeating: operations, count: shardPlan.shardCount))
    }

    /// A new engine on `devices` (one per shard) with the trainer's plan and exchange.
    func engine<Operations: TensorOperations>(on devices: [Operations]) throws -> any TrainingStepping {
        try TrainingEngine(devices: devices, plan: shardPlan, exchange: shardExchange, model: model,
                           configuration: configuration, relationWeights: dataset.relations.map(\.weight), frozen: frozen)
    }

    /// The engine in use (built now if the plan, exchange or device changed since).
    func currentEngine() throws -> any TrainingStepping {
        if let builtEngine { return builtEngine }
        let built = try makeEngine(self)
        builtEngine = built
        return built
    }

    /// One step: the host draws the batch (negatives included), the engine computes it. Without an
    /// update (gradient checks) the optimiser does not advance.
    func step(_ engine: any TrainingStepping, batches: [[Int]], update: Bool = true) throws {
        var relationBatches = [RelationBatch]()
        for (r, relation) in dataset.relations.enumerated() where !batches[r].isEmpty {
            let batch = trainingBatch(relation: r, indices: batches[r])
            relationBatches.append(RelationBatch(relation: r, members: batch.hyperedges.members, order: relation.order,
                                                 positives: batch.positivesEnd, targets: batch.targets, counts: batch.counts))
        }
        if update { optimizer.advance() }
        // The step counter is checkpointed, so a resumed run samples the neighbourhoods it would have.
        let samplingSeed = configuration.seed &* 0xD6E8_FEB8_6659_FD93 &+ UInt64(optimizer.step)
        let volume = try engine.step(relationBatches, dropoutGenerators: &dropoutGenerators, samplingSeed: samplingSeed,
                                     rule: update ? AdamRule(optimizer) : nil, averaging: configuration.parameterAveraging)
        phaseTimes += engine.takePhaseTimes()
        lastStepExchange = volume
        exchangeVolume += volume
        exchangedBytes += volume.rowBytes
    }

    /// The loss of one step over `batches` and, in every parameter's `gradient`, its gradient (no update).
    func computeGradients(batches: [[Int]]) throws -> Double {
        let engine = try currentEngine()
        let loss = try withParametersOnEngine(engine) {
            _ = try engine.takeLoss()
            try step(engine, batches: batches, update: false)
            return try engine.takeLoss()
        }
        try engine.downloadGradients(into: model.parameters)
        return loss
    }

    /// Runs `body` while the engine holds the parameters, the optimiser's moments and the averages: the
    /// host lets go of its storage meanwhile (so that on the CPU the engine updates them in place instead of
    /// copying), and they come back afterwards, also when `body` throws.
    func withParametersOnEngine<T>(_ engine: any TrainingStepping, _ body: () throws -> T) throws -> T {
        try engine.upload(model.parameters, moments: optimizer.moments, averages: parameterAverages)
        parameterAverages = nil
        optimizer.moments = [:]
        for parameter in model.parameters { parameter.releaseStorage() }
        func takeBack() throws {
            (optimizer.moments, parameterAverages) = try engine.download(into: model.parameters)
        }
        let result: T
        do {
            result = try body()
        } catch {
            try? takeBack()
            throw error
        }
        try takeBack()
        return result
    }
}

extension Trainer {
    /// One optimisation step outside an epoch (the equality tests): the parameters go to the engine,
    /// one step runs, and they come back. Returns the step's loss.
    @discardableResult
    func step(batches: [[Int]]) throws -> Double {
        let engine = try currentEngine()
        return try withParametersOnEngine(engine) {
            _ = try engine.takeLoss()
            try step(engine, batches: batches)
            return try engine.takeLoss()
        }
    }
}
