/// Ten training steps of a small model on the CPU trainer and on the device engine, compared: the
/// parity check behind the tests and `hyperlearn selftest` (which runs it from a release binary on a
/// GPU machine, where no test bundle exists).
public enum DeviceTrainingParity {
    /// What the two runs gave.
    public struct Report: Sendable, CustomStringConvertible {
        /// Per epoch: the CPU's and the device's mean training loss.
        public var losses: [(cpu: Double, device: Double)]
        /// Per epoch: the CPU's and the device's validation score.
        public var validationScores: [(cpu: Double, device: Double)]
        /// Optimiser steps each run took.
        public var steps: Int
        /// Largest `|device − cpu| / max(|cpu|, floor)` over every parameter, Adam second moments
        /// excluded (they are squares of gradients and tiny).
        public var parameterError: Float
        /// The same over the parameter averages.
        public var averageError: Float
        /// Largest `|device − cpu|` change of any parameter from its initial value (proof that training moved it).
        public var largestUpdate: Float
        /// Bytes the device run exchanged between shards, and what the CPU trainer logged for the same steps.
        public var exchange: (device: ExchangeVolume, cpu: ExchangeVolume)

        public var lossError: Double {
            losses.map { abs($0.device - $0.cpu) / max(abs($0.cpu), 1e-12) }.max() ?? .infinity
        }

        public var description: String {
            "\(steps) steps: losses " + losses.map { "\($0.cpu) / \($0.device)" }.joined(separator: ", ")
                + "; largest relative difference: loss \(lossError), parameters \(parameterError), averages \(averageError)"
        }
    }

    /// Three modalities of 60 items: a graph, a graph plus the induced hypergraph (mixed propagation),
    /// dense features; sparse incidence features everywhere (``configuration()``). A 3rd-order link
    /// relation and a 2nd-order valued one with weight 0.5.
    public static func fixture() throws -> Dataset {
        var synthetic = SyntheticData(modalities: 3, items: 60, order: 3)
        synthetic.seed = 8
        synthetic.graphNeighbors = 3
        let (factors, graphs) = try synthetic.structure()
        let links = try synthetic.hyperedges(count: 600, factors: factors, preferStructure: true, seed: 1)
        var pairs = SyntheticData(modalities: 2, items: 60, order: 2)
        pairs.seed = 9
        let ratings = try pairs.hyperedges(count: 400, factors: pairs.structure().factors, preferStructure: false,
                                       noise: 0.1, seed: 2)
        var features = Matrix(rows: 60, columns: 5)
        for i in 0..<60 { features[i, i % 5] = 1; features[i, (i / 5) % 5] += 0.5 }
        var data = Dataset(name: "device-parity")
        try data.addModality(Modality(name: "graph", count: 60, graph: .adjacency(graphs[0])))
        try data.addModality(Modality(name: "mixed", count: 60, graph: .adjacency(graphs[1]), hypergraph: .induced))
        try data.addModality(Modality(name: "features", count: 60, features: features))
        try data.addRelation(Relation(name: "links", members: [0, 1, 2], task: .link, train: links, test: nil))
        var valued = Relation(name: "ratings", members: [2, 0], task: .regression, train: ratings, test: nil)
        valued.weight = 0.5
        try data.addRelation(valued)
        return data
    }

    /// Three layers with root weights, dropout 0.2, two negatives, AdamW-free Adam with weight decay,
    /// parameter averaging, incidence features, pairwise interactions in the 3rd-order decoder; 5 steps per epoch.
    public static func configuration() -> TrainingConfiguration {
        var config = TrainingConfiguration()
        config.dimensions = 8
        config.hiddenDimensions = 6
        config.tableDimensions = 4
        config.layers = 3
        config.dropout = 0.2
        config.negatives = 2
        config.batchSize = 120
        config.weightDecay = 1e-3
        config.parameterAveraging = 0.9
        config.incidenceFeatures = true
        config.pairwiseInteractions = true
        config.seed = 42
        config.threads = 2
        return config
    }

    /// Trains two epochs (ten steps) of ``fixture()`` with the CPU trainer and with the device engine
    /// on `operations`, and compares them. `floor` is the magnitude below which differences count as absolute.
    public static func compare<Operations: TensorOperations>(on operations: Operations, floor: Float = 1e-3,
                                                             configuration: TrainingConfiguration = configuration()) throws -> Report {
        try compare(on: [operations], floor: floor, configuration: configuration)
    }

    /// The same with one device per shard: `devices[s]` trains shard `s` of `plan` (default: round robin
    /// over the devices), against the unsharded CPU trainer.
    public static func compare<Operations: TensorOperations>(on devices: [Operations], plan: ShardPlan? = nil,
                                                             floor: Float = 1e-3,
                                                             configuration: TrainingConfiguration = configuration()) throws -> Report {
        let reference = try Trainer(dataset: try fixture(), configuration: configuration)
        var sharded = configuration
        sharded.shards = plan?.shardCount ?? devices.count
        let device = try Trainer(dataset: try fixture(), configuration: sharded)
        if let plan { try device.setShardPlan(plan) }
        try device.attach(devices)
        let initial = device.model.parameters.map(\.value)
        var losses = [(cpu: Double, device: Double)](), scores = [(cpu: Double, device: Double)]()
        for _ in 0..<2 {
            let expected = try reference.trainEpoch(), actual = try device.trainEpoch()
            losses.append((expected.loss, actual.loss))
            scores.append((expected.validationScore ?? .nan, actual.validationScore ?? .nan))
        }
        func worst(_ actual: [Matrix], _ expected: [Matrix]) -> Float {
            guard actual.count == expected.count else { return .infinity }
            var error: Float = 0
            for (a, e) in zip(actual, expected) {
                guard a.storage.count == e.storage.count else { return .infinity }
                for (x, y) in zip(a.storage, e.storage) {
                    let difference = abs(x - y) / max(abs(y), floor)
                    error = difference.isNaN ? .infinity : max(error, difference)
                }
            }
            return error
        }
        let update = zip(initial, device.model.parameters).map { start, parameter in
            zip(start.storage, parameter.value.storage).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
        return Report(losses: losses, validationScores: scores, steps: device.optimizer.step,
                      parameterError: worst(device.model.parameters.map(\.value), reference.model.parameters.map(\.value)),
                      averageError: worst(device.parameterAverages ?? [], reference.parameterAverages ?? []),
                      largestUpdate: update, exchange: (device.exchangeVolume, reference.exchangeVolume))
    }
}
