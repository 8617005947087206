/// One relation's hyperedges for a device step: positives first (or valued hyperedges with
/// `targets`), then negatives, drawn on the host by the ``Trainer``.
struct DeviceBatch {
    var relation: Int
    /// Row-major `E × p` member indices.
    var members: [Int32]
    var order: Int
    /// Rows below this are positives.
    var positives: Int
    var targets: [Float]?

    var count: Int { members.count / max(order, 1) }
}

/// What the ``Trainer`` needs from an engine that runs training steps on a device, whatever its
/// matrix type.
protocol DeviceStepping: AnyObject {
    var deviceDescription: String { get }
    /// Copies parameters, Adam moments and parameter averages to the device.
    func upload(_ parameters: [Parameter], averages: [Matrix]?) throws
    /// Copies them back into `parameters`; returns the averages (when averaging).
    func download(into parameters: [Parameter]) throws -> [Matrix]?
    /// One step: encoders forward (drawing one dropout key per layer from each modality's stream),
    /// every batch's CP decoder and loss, encoders backward, Adam, averaging.
    func step(_ batches: [DeviceBatch], dropoutGenerators: inout [SeededGenerator], rule: AdamRule,
              averaging: Float) throws
    /// The summed loss of the steps since the last call (one download).
    func takeLoss() throws -> Double
}

/// Runs a ``HyperLearnModel``'s training steps on one device through ``DeviceOperations``: the
/// graph, features and hyperedges of a step live in device memory, and only the step's hyperedge
/// indices go up (negatives are drawn on the host against the exact known-positive set).
///
/// It follows the ``Trainer``'s CPU step operation for operation (METHOD.md): the same dropout
/// masks (``DropoutMask``), the CP decoder with item biases and `μ`, the logistic or squared loss
/// scaled by the relation weight, the same backward pass and the same Adam expression. Parameters
/// move between host and device only at epoch edges (validation, checkpoints). Supported: the CP
/// decoder, graphs and hypergraphs, dense and sparse features, root weights, dropout, Adam/AdamW,
/// parameter averaging; `deviceEngineUnsupportedSettings` names the rest.
final class DeviceTrainingEngine<Ops: DeviceOperations>: DeviceStepping {
    typealias Tensor = Ops.Tensor

    /// A propagation as weighted device terms: `P x = Σ_t w · A_t x`, or `w · S_t (S_tᵀ x)` for a hypergraph.
    struct DevicePropagation {
        var terms: [(first: Ops.SparseTensor, firstRows: Int, second: Ops.SparseTensor?)]
        var weight: Float
        var count: Int
    }

    struct EncoderInputs {
        var features: Tensor?
        var sparse: Ops.SparseTensor?
        var sparseTransposed: Ops.SparseTensor?
        var propagation: DevicePropagation?
    }

    /// What one encoder's backward pass needs from its training forward pass.
    struct ForwardCache {
        var preActivations: [Tensor] = []
        var activations: [Tensor] = []
        var masks: [DropoutMask?] = []
    }

    let ops: Ops
    let model: HyperLearnModel
    private let parameters: [Parameter]
    private let slots: [ObjectIdentifier: Int]
    private var values: [Tensor]
    private var gradients: [Tensor]
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]
    private var averages: [Tensor]?
    private let inputs: [EncoderInputs]
    /// Each relation's loss weight.
    private let relationWeights: [Float]
    private var loss: Tensor

    init(ops: Ops, model: HyperLearnModel, configuration: TrainingConfiguration, relationWeights: [Float]) throws {
        let unsupported = deviceEngineUnsupportedSettings(configuration)
        guard unsupported.isEmpty else {
            throw HyperLearnError.invalidArgument("training on \(ops.deviceDescription) does not support "
                                                  + unsupported.joined(separator: ", ") + "; use --device cpu")
        }
        self.ops = ops
        self.model = model
        self.relationWeights = relationWeights
        parameters = model.parameters
        slots = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        values = try parameters.map { try ops.upload($0.value) }
        gradients = try parameters.map { try ops.zeros(rows: $0.value.rows, columns: $0.value.columns) }
        firstMoments = try parameters.map { try ops.upload($0.firstMoment) }
        secondMoments = try parameters.map { try ops.upload($0.secondMoment) }
        inputs = try model.encoders.map { encoder in
            EncoderInputs(features: try encoder.features.map { try ops.upload($0) },
                          sparse: try encoder.sparseFeatures.map { try ops.upload($0) },
                          sparseTransposed: try encoder.sparseFeaturesTransposed.map { try ops.upload($0) },
                          propagation: try encoder.propagation.map { try Self.upload($0, name: encoder.name, ops: ops) })
        }
        loss = try ops.zeros(rows: 1, columns: 1)
    }

    private static func upload(_ propagation: any Propagation, name: String, ops: Ops) throws -> DevicePropagation {
        let parts = (propagation as? MixedPropagation)?.parts ?? [propagation]
        var terms = [(first: Ops.SparseTensor, firstRows: Int, second: Ops.SparseTensor?)]()
        for part in parts {
            if let adjacency = part as? NormalizedAdjacency {
                terms.append((try ops.upload(adjacency.matrix), adjacency.count, nil))
            } else if let hypergraph = part as? HypergraphPropagation {
                terms.append((try ops.upload(hypergraph.scaledIncidenceTransposed), hypergraph.scaledIncidenceTransposed.rows,
                              try ops.upload(hypergraph.scaledIncidence)))
            } else {
                throw HyperLearnError.invalidArgument("modality '\(name)': \(type(of: part)) has no device implementation")
            }
        }
        return DevicePropagation(terms: terms, weight: 1 / Float(parts.count), count: propagation.count)
    }

    var deviceDescription: String { ops.deviceDescription }

    // MARK: State at epoch edges

    func upload(_ parameters: [Parameter], averages: [Matrix]?) throws {
        for (i, parameter) in parameters.enumerated() {
            values[i] = try ops.upload(parameter.value)
            firstMoments[i] = try ops.upload(parameter.firstMoment)
            secondMoments[i] = try ops.upload(parameter.secondMoment)
        }
        self.averages = try averages?.map { try ops.upload($0) }
    }

    func download(into parameters: [Parameter]) throws -> [Matrix]? {
        for (i, parameter) in parameters.enumerated() {
            parameter.value = try ops.download(values[i])
            parameter.firstMoment = try ops.download(firstMoments[i])
            parameter.secondMoment = try ops.download(secondMoments[i])
        }
        return try averages?.map { try ops.download($0) }
    }

    func takeLoss() throws -> Double {
        let value = try ops.download(loss).storage[0]
        try ops.zero(&loss)
        return Double(value)
    }

    // MARK: One step

    private func slot(_ parameter: Parameter) -> Int { slots[ObjectIdentifier(parameter)]! }
    private func value(_ parameter: Parameter) -> Tensor { values[slot(parameter)] }

    func step(_ batches: [DeviceBatch], dropoutGenerators: inout [SeededGenerator], rule: AdamRule,
              averaging: Float) throws {
        for i in gradients.indices { try ops.zero(&gradients[i]) }
        var embeddings = [Tensor](), caches = [ForwardCache]()
        for m in model.encoders.indices {
            var cache = ForwardCache()
            embeddings.append(try forward(m, generator: &dropoutGenerators[m], cache: &cache))
            caches.append(cache)
        }
        var embeddingGradients = try model.encoders.map { try ops.zeros(rows: $0.count, columns: $0.outputDimensions) }
        for batch in batches where batch.count > 0 {
            try decode(batch, embeddings: embeddings, embeddingGradients: &embeddingGradients)
        }
        for m in model.encoders.indices { try backward(m, embeddingGradients[m], cache: caches[m]) }
        for i in values.indices {
            try ops.adamStep(parameter: &values[i], gradient: gradients[i], firstMoment: &firstMoments[i],
                             secondMoment: &secondMoments[i], rule: rule)
        }
        if averaging > 0 { try updateAverages(averaging) }
    }

    /// `avg = β avg + (1 − β) value`, starting from the values after the first step (as the CPU does).
    private func updateAverages(_ beta: Float) throws {
        guard var averages else {
            averages = try zip(values, parameters).map { value, parameter in
                var copy = try ops.zeros(rows: parameter.value.rows, columns: parameter.value.columns)
                try ops.axpy(1, value, &copy)
                return copy
            }
            return
        }
        for i in averages.indices {
            try ops.scale(&averages[i], by: beta)
            try ops.axpy(1 - beta, values[i], &averages[i])
        }
        self.averages = averages
    }

    /// CP scores plus item biases, the loss gradient, and its scatter into the member embeddings'
    /// gradients, the item biases' and the decoder's.
    private func decode(_ batch: DeviceBatch, embeddings: [Tensor], embeddingGradients: inout [Tensor]) throws {
        let relation = model.relationMembers[batch.relation]
        let decoder = model.decoders[batch.relation].cp
        let weight = relationWeights[batch.relation]
        let edges = batch.count, p = batch.order
        let members = try ops.upload(batch.members)
        let columns = try (0..<p).map { j in try ops.upload((0..<edges).map { batch.members[$0 * p + j] }) }
        let factors = relation.map { embeddings[$0] }
        let lambda = value(decoder.weights)
        var scores = try ops.cpScore(factors: factors, members: members, lambda: lambda, mu: value(decoder.globalBias))
        for (j, m) in relation.enumerated() {
            try ops.axpy(1, try ops.gatherRows(value(model.encoders[m].itemBias), columns[j]), &scores)
        }
        var scoreGradient = try ops.zeros(rows: edges, columns: 1)
        let normalizer = Float(edges) / weight
        if let targets = batch.targets {
            let deviceTargets = try ops.upload(Matrix(rows: edges, columns: 1, storage: targets))
            try ops.squaredErrorLoss(scores: scores, targets: deviceTargets, normalizer: normalizer,
                                     lossScale: weight / Float(edges), gradient: &scoreGradient, loss: &loss)
        } else {
            try ops.logisticLoss(scores: scores, positives: batch.positives, normalizer: normalizer,
                                 lossScale: weight / Float(edges), gradient: &scoreGradient, loss: &loss)
        }
        let rows = try ops.cpGradient(factors: factors, members: members, lambda: lambda, upstream: scoreGradient,
                                      lambdaGradient: &gradients[slot(decoder.weights)])
        try ops.accumulateColumnSums(scoreGradient, into: &gradients[slot(decoder.globalBias)])
        for (j, m) in relation.enumerated() {
            try ops.scatterAddRows(rows[j], columns[j], into: &embeddingGradients[m])
            try ops.scatterAddRows(scoreGradient, columns[j], into: &gradients[slot(model.encoders[m].itemBias)])
        }
    }

    // MARK: Encoders

    /// `P x` (or `x` without a propagation).
    private func propagate(_ x: Tensor, columns: Int, _ propagation: DevicePropagation?) throws -> Tensor {
        guard let propagation else { return x }
        var y = try ops.zeros(rows: propagation.count, columns: columns)
        for term in propagation.terms {
            if let second = term.second {
                var edges = try ops.zeros(rows: term.firstRows, columns: columns)
                try ops.spmm(term.first, x, alpha: 1, beta: 0, into: &edges)
                try ops.spmm(second, edges, alpha: propagation.weight, beta: 1, into: &y)
            } else {
                try ops.spmm(term.first, x, alpha: propagation.weight, beta: 1, into: &y)
            }
        }
        return y
    }

    /// The training forward pass of encoder `m` (dropout on), keeping what ``backward(_:_:cache:)`` needs.
    private func forward(_ m: Int, generator: inout SeededGenerator, cache: inout ForwardCache) throws -> Tensor {
        let encoder = model.encoders[m], input = inputs[m]
        let first = encoder.firstBias.value.columns
        var t = try ops.zeros(rows: encoder.count, columns: first)
        if let table = encoder.table, let tableWeight = encoder.tableWeight {
            try ops.gemm(value(table), value(tableWeight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &t)
        }
        if let features = input.features, let featureWeight = encoder.featureWeight {
            try ops.gemm(features, value(featureWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &t)
        }
        if let sparse = input.sparse, let sparseWeight = encoder.sparseWeight {
            try ops.spmm(sparse, value(sparseWeight), alpha: 1, beta: 1, into: &t)
        }
        var a = try propagate(t, columns: first, input.propagation)
        try ops.addBias(value(encoder.firstBias), to: &a)
        if let table = encoder.table, let rootWeight = encoder.tableRootWeight {
            try ops.gemm(value(table), value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &a)
        }
        for conv in encoder.convolutions {
            let mask = DropoutMask.draw(rate: encoder.dropout, using: &generator)
            let h = try ops.reluDropout(a, mask: mask)
            cache.preActivations.append(a)
            cache.activations.append(h)
            cache.masks.append(mask)
            let out = conv.weight.value.columns
            var product = try ops.zeros(rows: encoder.count, columns: out)
            try ops.gemm(h, value(conv.weight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &product)
            var y = try propagate(product, columns: out, input.propagation)
            try ops.addBias(value(conv.bias), to: &y)
            if let rootWeight = conv.rootWeight {
                try ops.gemm(h, value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &y)
            }
            a = y
        }
        return a
    }

    private func backward(_ m: Int, _ dZ: Tensor, cache: ForwardCache) throws {
        let encoder = model.encoders[m], input = inputs[m]
        var dy = dZ
        for l in stride(from: encoder.convolutions.count - 1, through: 0, by: -1) {
            let conv = encoder.convolutions[l], h = cache.activations[l]
            let inWidth = conv.weight.value.rows, outWidth = conv.weight.value.columns
            try ops.accumulateColumnSums(dy, into: &gradients[slot(conv.bias)])
            let dt = try propagate(dy, columns: outWidth, input.propagation)
            try ops.gemm(h, dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &gradients[slot(conv.weight)])
            var dx = try ops.zeros(rows: encoder.count, columns: inWidth)
            try ops.gemm(dt, value(conv.weight), transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dx)
            if let rootWeight = conv.rootWeight {
                try ops.gemm(h, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &gradients[slot(rootWeight)])
                try ops.gemm(dy, value(rootWeight), transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &dx)
            }
            dy = try ops.reluDropoutBackward(preActivation: cache.preActivations[l], upstream: dx, mask: cache.masks[l])
        }
        try ops.accumulateColumnSums(dy, into: &gradients[slot(encoder.firstBias)])
        let dt = try propagate(dy, columns: encoder.firstBias.value.columns, input.propagation)
        if let table = encoder.table, let tableWeight = encoder.tableWeight {
            try ops.gemm(value(table), dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &gradients[slot(tableWeight)])
            try ops.gemm(dt, value(tableWeight), transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &gradients[slot(table)])
        }
        if let table = encoder.table, let rootWeight = encoder.tableRootWeight {
            try ops.gemm(value(table), dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &gradients[slot(rootWeight)])
            try ops.gemm(dy, value(rootWeight), transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &gradients[slot(table)])
        }
        if let features = input.features, let featureWeight = encoder.featureWeight {
            try ops.gemm(features, dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &gradients[slot(featureWeight)])
        }
        if let sparseTransposed = input.sparseTransposed, let sparseWeight = encoder.sparseWeight {
            try ops.spmm(sparseTransposed, dt, alpha: 1, beta: 1, into: &gradients[slot(sparseWeight)])
        }
    }
}

/// The training settings the device engine cannot train yet, in words (empty: all supported).
func deviceEngineUnsupportedSettings(_ c: TrainingConfiguration) -> [String] {
    var unsupported = [String]()
    if c.decoder != .cp { unsupported.append("decoder \(c.decoder.rawValue) (the device engine has the CP decoder)") }
    if c.smoothness > 0 { unsupported.append("smoothness > 0") }
    if c.embeddingRegularization > 0 { unsupported.append("embeddingRegularization > 0") }
    if c.shards > 1 { unsupported.append("shards > 1 (one device per shard is not implemented yet)") }
    return unsupported
}
