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
    /// Runs the training steps on `device` from now on.
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
        case .cuda(let ordinal):
            let unsupported = deviceEngineUnsupportedSettings(configuration)
            guard unsupported.isEmpty else {
                throw HyperLearnError.invalidArgument("training on \(device) does not support " + unsupported.joined(separator: ", "))
            }
            try attach(CUDABackend(device: ordinal))
        }
    }

    /// Where the steps run, in words.
    public var deviceDescription: String { deviceEngine?.deviceDescription ?? "cpu" }

    /// Runs the steps through the device engine on `operations` (``HostOperations`` checks the engine on the CPU).
    func attach<Operations: DeviceOperations>(_ operations: Operations) throws {
        deviceEngine = try DeviceTrainingEngine(ops: operations, model: model, configuration: configuration,
                                                relationWeights: dataset.relations.map(\.weight))
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
        try engine.step(deviceBatches, dropoutGenerators: &dropoutGenerators, rule: AdamRule(optimizer),
                        averaging: configuration.parameterAveraging)
    }
}
