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

/// What the ``Trainer`` needs from an engine that runs training steps on devices, whatever their
/// matrix type.
protocol DeviceStepping: AnyObject {
    var deviceDescription: String { get }
    /// Copies parameters, Adam moments and parameter averages to the devices.
    func upload(_ parameters: [Parameter], averages: [Matrix]?) throws
    /// Copies them back into `parameters`; returns the averages (when averaging).
    func download(into parameters: [Parameter]) throws -> [Matrix]?
    /// One step: encoders forward (drawing one dropout key per layer from each modality's stream),
    /// the exchange of gathered rows, every batch's CP decoder and loss, encoders backward, Adam,
    /// averaging. Returns the bytes the step exchanged between shards.
    func step(_ batches: [DeviceBatch], dropoutGenerators: inout [SeededGenerator], rule: AdamRule,
              averaging: Float) throws -> ExchangeVolume
    /// The summed loss of the steps since the last call (one download).
    func takeLoss() throws -> Double
}

/// Runs a ``HyperLearnModel``'s training steps on devices through ``DeviceOperations``, one device
/// per shard (docs/method.md, "Distribution by modality"): each modality's graph, features, encoder
/// parameters and Adam state live on its shard's device; the decoder lives on the first shard's.
///
/// A step follows the ``Trainer``'s CPU step operation for operation: local forward passes (the same
/// dropout masks, ``DropoutMask``); each member's embedding rows and item biases gathered on its own
/// device and moved to the decoder's (the exchange, `p · |B| · d · 4` bytes of rows per relation); the
/// CP score plus biases and `μ`, the logistic or squared loss scaled by the relation weight; the
/// gradient rows moved back and scattered on each owner's device; local backward passes; the same
/// Adam expression (``AdamRule``). Only the step's hyperedge indices go up from the host (negatives are
/// drawn there against the exact known-positive set); parameters move only at epoch edges. Kernels
/// are queued asynchronously, so shards on different devices compute concurrently.
///
/// Supported: the CP decoder with or without pairwise interactions, graphs and hypergraphs, dense and sparse features, root weights, dropout,
/// Adam/AdamW, parameter averaging; `deviceEngineUnsupportedSettings` names the rest.
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

    /// One device per shard; `placement[m]` is the device of modality `m`.
    private let devices: [Ops]
    private let placement: [Int]
    /// The device that holds the decoders, the loss and the exchange's meeting point.
    private let decoderDevice: Int
    let model: HyperLearnModel
    private let parameters: [Parameter]
    private let slots: [ObjectIdentifier: Int]
    /// The device of each parameter.
    private let parameterDevice: [Int]
    private var values: [Tensor]
    private var gradients: [Tensor]
    private var firstMoments: [Tensor]
    private var secondMoments: [Tensor]
    private var averages: [Tensor]?
    private let inputs: [EncoderInputs]
    /// Each relation's loss weight.
    private let relationWeights: [Float]
    private var loss: Tensor

    /// - Parameters:
    ///   - devices: one per shard.
    ///   - placement: the shard of each modality (``ShardPlan/owners``); the decoder goes to shard 0.
    init(devices: [Ops], placement: [Int], model: HyperLearnModel, configuration: TrainingConfiguration,
         relationWeights: [Float]) throws {
        let unsupported = deviceEngineUnsupportedSettings(configuration)
        guard unsupported.isEmpty else {
            throw HyperLearnError.invalidArgument("training on \(devices.first?.deviceDescription ?? "a device") does not support "
                                                  + unsupported.joined(separator: ", ") + "; use --device cpu")
        }
        guard !devices.isEmpty, placement.count == model.encoders.count,
              placement.allSatisfy({ devices.indices.contains($0) }) else {
            throw HyperLearnError.invalidArgument("device placement \(placement) for \(model.encoders.count) modalities on \(devices.count) device(s)")
        }
        self.devices = devices
        self.placement = placement
        decoderDevice = 0
        self.model = model
        self.relationWeights = relationWeights
        parameters = model.parameters
        slots = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        var owner = [ObjectIdentifier: Int]()
        for (m, encoder) in model.encoders.enumerated() {
            for parameter in encoder.parameters { owner[ObjectIdentifier(parameter)] = placement[m] }
        }
        let parameterDevice = parameters.map { owner[ObjectIdentifier($0)] ?? 0 }
        self.parameterDevice = parameterDevice
        values = try zip(parameters, parameterDevice).map { try devices[$1].upload($0.value) }
        gradients = try zip(parameters, parameterDevice).map { try devices[$1].zeros(rows: $0.value.rows, columns: $0.value.columns) }
        firstMoments = try zip(parameters, parameterDevice).map { try devices[$1].upload($0.firstMoment) }
        secondMoments = try zip(parameters, parameterDevice).map { try devices[$1].upload($0.secondMoment) }
        inputs = try model.encoders.enumerated().map { m, encoder in
            let ops = devices[placement[m]]
            return EncoderInputs(features: try encoder.features.map { try ops.upload($0) },
                                 sparse: try encoder.sparseFeatures.map { try ops.upload($0) },
                                 sparseTransposed: try encoder.sparseFeaturesTransposed.map { try ops.upload($0) },
                                 propagation: try encoder.propagation.map { try Self.upload($0, name: encoder.name, ops: ops) })
        }
        loss = try devices[decoderDevice].zeros(rows: 1, columns: 1)
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

    var deviceDescription: String {
        var distinct = [Ops]()
        for device in devices where !distinct.contains(where: { $0.sharesMemory(with: device) }) { distinct.append(device) }
        let names = distinct.map(\.deviceDescription).joined(separator: ", ")
        return devices.count > 1 ? "\(devices.count) shards on \(names)" : names
    }

    // MARK: State at epoch edges

    func upload(_ parameters: [Parameter], averages: [Matrix]?) throws {
        for (i, parameter) in parameters.enumerated() {
            let ops = devices[parameterDevice[i]]
            values[i] = try ops.upload(parameter.value)
            firstMoments[i] = try ops.upload(parameter.firstMoment)
            secondMoments[i] = try ops.upload(parameter.secondMoment)
        }
        self.averages = try averages?.enumerated().map { try devices[parameterDevice[$0]].upload($1) }
    }

    func download(into parameters: [Parameter]) throws -> [Matrix]? {
        for (i, parameter) in parameters.enumerated() {
            let ops = devices[parameterDevice[i]]
            parameter.value = try ops.download(values[i])
            parameter.firstMoment = try ops.download(firstMoments[i])
            parameter.secondMoment = try ops.download(secondMoments[i])
        }
        return try averages?.enumerated().map { try devices[parameterDevice[$0]].download($1) }
    }

    func takeLoss() throws -> Double {
        let value = try devices[decoderDevice].download(loss).storage[0]
        try devices[decoderDevice].zero(&loss)
        return Double(value)
    }

    // MARK: One step

    private func slot(_ parameter: Parameter) -> Int { slots[ObjectIdentifier(parameter)]! }
    private func value(_ parameter: Parameter) -> Tensor { values[slot(parameter)] }

    /// `tensor` on device `to` (the same handle when both share memory; otherwise a copy through the host).
    private func move(_ tensor: Tensor, from: Int, to: Int) throws -> Tensor {
        devices[from].sharesMemory(with: devices[to]) ? tensor : try devices[to].upload(devices[from].download(tensor))
    }

    func step(_ batches: [DeviceBatch], dropoutGenerators: inout [SeededGenerator], rule: AdamRule,
              averaging: Float) throws -> ExchangeVolume {
        // Uploads first: a copy from pageable host memory waits for the stream, and here that wait
        // overlaps nothing but the previous step's tail, instead of stalling between forward and decoder.
        let prepared = try batches.filter { $0.count > 0 }.map(prepare)
        for i in gradients.indices { try devices[parameterDevice[i]].zero(&gradients[i]) }
        var embeddings = [Tensor](), caches = [ForwardCache]()
        for m in model.encoders.indices {
            var cache = ForwardCache()
            embeddings.append(try forward(m, generator: &dropoutGenerators[m], cache: &cache))
            caches.append(cache)
        }
        var embeddingGradients = try model.encoders.enumerated().map { m, encoder in
            try devices[placement[m]].zeros(rows: encoder.count, columns: encoder.outputDimensions)
        }
        var volume = ExchangeVolume()
        for batch in prepared {
            volume += try decode(batch, embeddings: embeddings, embeddingGradients: &embeddingGradients)
        }
        for m in model.encoders.indices { try backward(m, embeddingGradients[m], cache: caches[m]) }
        for i in values.indices {
            try devices[parameterDevice[i]].adamStep(parameter: &values[i], gradient: gradients[i], firstMoment: &firstMoments[i],
                                                     secondMoment: &secondMoments[i], rule: rule)
        }
        if averaging > 0 { try updateAverages(averaging) }
        return volume
    }

    /// `avg = β avg + (1 − β) value`, starting from the values after the first step (as the CPU does).
    private func updateAverages(_ beta: Float) throws {
        guard var averages else {
            averages = try values.indices.map { i in
                let ops = devices[parameterDevice[i]]
                var copy = try ops.zeros(rows: parameters[i].value.rows, columns: parameters[i].value.columns)
                try ops.axpy(1, values[i], &copy)
                return copy
            }
            return
        }
        for i in averages.indices {
            let ops = devices[parameterDevice[i]]
            try ops.scale(&averages[i], by: beta)
            try ops.axpy(1 - beta, values[i], &averages[i])
        }
        self.averages = averages
    }

    /// A batch's indices and targets on the devices that use them.
    struct PreparedBatch {
        var batch: DeviceBatch
        /// Per member: its column of indices, on its owner's device.
        var columns: [Ops.IndexVector]
        /// `identity[e·p + j] = e`, on the decoder's device: gathered block `j` holds row `e` of member `j`.
        var identity: Ops.IndexVector
        var targets: Tensor?
    }

    private func prepare(_ batch: DeviceBatch) throws -> PreparedBatch {
        let relation = model.relationMembers[batch.relation]
        let edges = batch.count, p = batch.order
        let columns = try relation.enumerated().map { j, m in
            try devices[placement[m]].upload((0..<edges).map { batch.members[$0 * p + j] })
        }
        let home = devices[decoderDevice]
        return PreparedBatch(batch: batch, columns: columns,
                             identity: try home.upload((0..<(edges * p)).map { Int32($0 / p) }),
                             targets: try batch.targets.map { try home.upload(Matrix(rows: edges, columns: 1, storage: $0)) })
    }

    /// Gathers each member's rows and item biases on its owner's device and brings them to the decoder's;
    /// there: the CP (and pairwise) score plus biases, the loss gradient, the decoder's gradients; back on each owner's
    /// device: the gradient rows and bias gradients scattered into the member's modality.
    private func decode(_ prepared: PreparedBatch, embeddings: [Tensor], embeddingGradients: inout [Tensor]) throws -> ExchangeVolume {
        let batch = prepared.batch, columns = prepared.columns, identity = prepared.identity
        let relation = model.relationMembers[batch.relation]
        let decoder = model.decoders[batch.relation].cp
        let weight = relationWeights[batch.relation]
        let edges = batch.count, p = batch.order
        let home = devices[decoderDevice]
        // Per member: its gathered rows and biases, moved to the decoder's device.
        var gathered = [Tensor](), biases = [Tensor]()
        for (j, m) in relation.enumerated() {
            let owner = devices[placement[m]]
            gathered.append(try move(owner.gatherRows(embeddings[m], columns[j]), from: placement[m], to: decoderDevice))
            biases.append(try move(owner.gatherRows(value(model.encoders[m].itemBias), columns[j]), from: placement[m], to: decoderDevice))
        }
        let lambda = value(decoder.weights)
        var scores = try home.cpScore(factors: gathered, members: identity, lambda: lambda, mu: value(decoder.globalBias))
        for bias in biases { try home.axpy(1, bias, &scores) }
        let pairwise = model.decoders[batch.relation].pairwise
        let nu = pairwise.map { value($0.weights) }
        if let nu {
            try home.axpy(1, try home.pairwiseScore(factors: gathered, members: identity, nu: nu), &scores)
        }
        var scoreGradient = try home.zeros(rows: edges, columns: 1)
        let normalizer = Float(edges) / weight
        if let deviceTargets = prepared.targets {
            try home.squaredErrorLoss(scores: scores, targets: deviceTargets, normalizer: normalizer,
                                      lossScale: weight / Float(edges), gradient: &scoreGradient, loss: &loss)
        } else {
            try home.logisticLoss(scores: scores, positives: batch.positives, normalizer: normalizer,
                                  lossScale: weight / Float(edges), gradient: &scoreGradient, loss: &loss)
        }
        var rows = try home.cpGradient(factors: gathered, members: identity, lambda: lambda, upstream: scoreGradient,
                                       lambdaGradient: &gradients[slot(decoder.weights)])
        if let pairwise, let nu {
            let pairRows = try home.pairwiseGradient(factors: gathered, members: identity, nu: nu,
                                                     upstream: scoreGradient, nuGradient: &gradients[slot(pairwise.weights)])
            for j in rows.indices { try home.axpy(1, pairRows[j], &rows[j]) }
        }
        try home.accumulateColumnSums(scoreGradient, into: &gradients[slot(decoder.globalBias)])
        for (j, m) in relation.enumerated() {
            let owner = devices[placement[m]]
            try owner.scatterAddRows(try move(rows[j], from: decoderDevice, to: placement[m]), columns[j], into: &embeddingGradients[m])
            try owner.scatterAddRows(try move(scoreGradient, from: decoderDevice, to: placement[m]), columns[j],
                                     into: &gradients[slot(model.encoders[m].itemBias)])
        }
        let d = model.encoders[relation[0]].outputDimensions
        return ExchangeVolume(rowBytes: p * edges * d * MemoryLayout<Float>.size, biasBytes: p * edges * MemoryLayout<Float>.size)
    }

    // MARK: Encoders

    /// `P x` (or `x` without a propagation) on `ops`.
    private func propagate(_ x: Tensor, columns: Int, _ propagation: DevicePropagation?, on ops: Ops) throws -> Tensor {
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
        let encoder = model.encoders[m], input = inputs[m], ops = devices[placement[m]]
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
        var a = try propagate(t, columns: first, input.propagation, on: ops)
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
            var y = try propagate(product, columns: out, input.propagation, on: ops)
            try ops.addBias(value(conv.bias), to: &y)
            if let rootWeight = conv.rootWeight {
                try ops.gemm(h, value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &y)
            }
            a = y
        }
        return a
    }

    private func backward(_ m: Int, _ dZ: Tensor, cache: ForwardCache) throws {
        let encoder = model.encoders[m], input = inputs[m], ops = devices[placement[m]]
        var dy = dZ
        for l in stride(from: encoder.convolutions.count - 1, through: 0, by: -1) {
            let conv = encoder.convolutions[l], h = cache.activations[l]
            let inWidth = conv.weight.value.rows, outWidth = conv.weight.value.columns
            try ops.accumulateColumnSums(dy, into: &gradients[slot(conv.bias)])
            let dt = try propagate(dy, columns: outWidth, input.propagation, on: ops)
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
        let dt = try propagate(dy, columns: encoder.firstBias.value.columns, input.propagation, on: ops)
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
/// Shards are not among them: the engine's own placement (one device per shard) replaces the CPU's
/// thread groups, so ``TrainingConfiguration/shards`` must match the devices given.
func deviceEngineUnsupportedSettings(_ c: TrainingConfiguration) -> [String] {
    var unsupported = [String]()
    if c.decoder != .cp { unsupported.append("decoder \(c.decoder.rawValue) (the device engine has the CP decoder)") }
    if c.smoothness > 0 { unsupported.append("smoothness > 0") }
    if c.embeddingRegularization > 0 { unsupported.append("embeddingRegularization > 0") }
    return unsupported
}
