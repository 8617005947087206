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
    /// Runs the training steps on `device` from now on, every shard of ``shardPlan`` on it.
    ///
    /// On a CUDA device the graphs, features and parameters are uploaded once; each step uploads only
    /// its hyperedge indices (negatives are drawn on the host), and parameters come back at the end of
    /// each epoch for validation, checkpoints and export. Evaluation and prediction run on the host.
    /// Throws when the device cannot be opened (the error says why) or when the configuration uses a
    /// setting the device engine does not have yet (``HyperLearnError/invalidArgument(_:)``, checked
    /// before the device is opened).
    public func use(_ device: ComputeDevice) throws {
        switch device {
        case .cpu: deviceEngine = nil
        case .cuda(let ordinal): try use(cudaDevices: Array(repeating: ordinal, count: shardPlan.shardCount))
        }
    }

    /// One CUDA device per shard of ``shardPlan`` (`--devices 0,1,2`; a device may repeat): each
    /// shard's modalities train on their device, the decoder on the first shard's. Set the shard plan
    /// (``TrainingConfiguration/shards`` or ``setShardPlan(_:)``) first.
    public func use(cudaDevices ordinals: [Int]) throws {
        let unsupported = deviceEngineUnsupportedSettings(configuration)
        guard unsupported.isEmpty else {
            let names = ordinals.reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }.map { "cuda:\($0)" }
            throw HyperLearnError.invalidArgument("training on \(names.joined(separator: ", ")) does not support "
                                                  + unsupported.joined(separator: ", "))
        }
        guard ordinals.count == shardPlan.shardCount else {
            throw HyperLearnError.invalidArgument("\(ordinals.count) CUDA device(s) \(ordinals) for \(shardPlan.shardCount) shard(s) (\(shardPlan)); give one device per shard")
        }
        var opened = [Int: CUDABackend]()
        for ordinal in ordinals where opened[ordinal] == nil { opened[ordinal] = try CUDABackend(device: ordinal) }
        try attach(ordinals.map { opened[$0]! })
    }

    /// Where the steps run, in words.
    public var deviceDescription: String { deviceEngine?.deviceDescription ?? "cpu" }

    /// Runs the steps through the device engine on `operations`, one per shard of ``shardPlan``
    /// (``HostOperations`` checks the engine on the CPU).
    func attach<Operations: DeviceOperations>(_ operations: [Operations]) throws {
        deviceEngine = try DeviceTrainingEngine(devices: operations, placement: shardPlan.owners, model: model,
                                                configuration: configuration, relationWeights: dataset.relations.map(\.weight))
    }

    /// Runs the steps through the device engine on one device that holds every shard.
    func attach<Operations: DeviceOperations>(_ operations: Operations) throws {
        try attach(Array(repeating: operations, count: shardPlan.shardCount))
    }

    /// One step on the device engine: the host draws the batch (negatives included) exactly as the CPU step does.
    func deviceStep(_ engine: any DeviceStepping, batches: [[Int]]) throws {
        var deviceBatches = [DeviceBatch]()
        for (r, relation) in dataset.relations.enumerated() where !batches[r].isEmpty {
            let batch = trainingBatch(relation: r, indices: batches[r])
            deviceBatches.append(DeviceBatch(relation: r, members: batch.hyperedges.members, order: relation.order,
                                             positives: batch.positivesEnd, targets: batch.targets))
        }
        optimizer.advance()
        let volume = try engine.step(deviceBatches, dropoutGenerators: &dropoutGenerators, rule: AdamRule(optimizer),
                                     averaging: configuration.parameterAveraging)
        lastStepExchange = volume
        exchangeVolume += volume
        exchangedBytes += volume.rowBytes
    }
}
