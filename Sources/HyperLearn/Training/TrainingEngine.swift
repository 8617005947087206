import Dispatch

/// One relation's hyperedges for a training step: positives first (or valued hyperedges with
/// `targets`), then negatives, drawn on the host by the ``Trainer``.
struct RelationBatch {
    var relation: Int
    /// Row-major `E × p` member indices.
    var members: [Int32]
    var order: Int
    /// Rows below this are positives.
    var positives: Int
    var targets: [Float]?
    /// Row-major `E × p`: each member's row in its modality's step embeddings when the step encodes
    /// only some items (a sampled step); nil: the member's item index is its row.
    var rows: [Int32]?
    /// Where each hyperedge's count features come from (``HyperedgeCounts``), for a decoder with a
    /// count term.
    var counts: CountFeatureSource? = nil

    var count: Int { members.count / max(order, 1) }
}

/// What the ``Trainer`` needs from the engine, whatever the device's tensor type.
protocol TrainingStepping: AnyObject {
    var deviceDescription: String { get }
    /// Copies parameters, the optimiser's moments (by parameter name; zero where absent) and parameter
    /// averages to the devices.
    func upload(_ parameters: [Parameter], moments: [String: Adam.Moments], averages: [Matrix]?) throws
    /// Copies the values back into `parameters`; returns the moments and (when averaging) the averages.
    func download(into parameters: [Parameter]) throws -> (moments: [String: Adam.Moments], averages: [Matrix]?)
    /// One step over `batches`; with a `rule`, the Adam update and averaging follow. Returns the bytes
    /// the step exchanged between shards.
    ///
    /// With ``TrainingConfiguration/fanouts``, each local modality encodes only the items the batches name
    /// and their neighbourhoods, sampled from a stream seeded by `samplingSeed` and the modality (so that
    /// the samples do not depend on the sharding).
    func step(_ batches: [RelationBatch], dropoutGenerators: inout [SeededGenerator], samplingSeed: UInt64,
              rule: AdamRule?, averaging: Float) throws -> ExchangeVolume
    /// The last step's gradients, into each parameter's `gradient`.
    func downloadGradients(into parameters: [Parameter]) throws
    /// The summed loss of the steps since the last call (one download).
    func takeLoss() throws -> Double
    /// Seconds per phase since the last call (on devices with asynchronous queues, the time to queue the work).
    func takePhaseTimes() -> PhaseTimes
    /// Every modality's embeddings in evaluation mode (no dropout) for the given parameter values
    /// (in ``HyperLearnModel/parameters`` order).
    func embeddings(parameterValues: [Matrix]) throws -> [Matrix]
    /// Raw scores of relation `r`'s hyperedges (`E × p` members) from host embeddings, with their count
    /// features when the relation's decoder reads them.
    func scores(relation r: Int, members: [Int32], counts: CountFeatureSource?, embeddings: [Matrix], parameterValues: [Matrix]) throws -> [Float]
}

/// The training step, written once for every device (docs/architecture.md): encoders forward, the
/// exchange of gathered rows, every relation's decoder and loss chunk by chunk, backward, Adam,
/// parameter averaging — through ``TensorOperations``, one device per shard (docs/method.md,
/// "Distribution by modality").
///
/// Each modality's graph, features, encoder parameters and Adam state live on its shard's device;
/// the decoders live on the first shard's. Members' rows and item biases are gathered on their
/// owner's device into one member-block workspace on the decoder's device (moved there when the
/// devices differ); with an exchange whose process runs only some shards (MPI), the other members'
/// blocks arrive through ``ShardExchange/allGather(_:biases:count:members:plan:fillLocal:)``. The
/// decoder streams each relation's hyperedges in chunks of ``TrainingConfiguration/chunkSize`` into
/// workspaces reused from step to step.
final class TrainingEngine<Ops: TensorOperations>: TrainingStepping {
    typealias Tensor = Ops.Tensor

    /// A propagation as weighted device terms (``Propagation/terms``): `P x = Σ_t w_t · A_t x`, or
    /// `w_t · S_t (S_tᵀ x)` for a hypergraph.
    struct DevicePropagation {
        var terms: [(first: Ops.SparseTensor, firstRows: Int, second: Ops.SparseTensor?, weight: Float)]
        var count: Int
    }

    /// One encoder's inputs on its device; the propagation is an argument of every forward pass.
    struct EncoderInputs {
        var features: Tensor?
        var sparse: Ops.SparseTensor?
        var sparseTransposed: Ops.SparseTensor?
        var propagation: DevicePropagation?
    }

    /// What one encoder's backward pass needs from its training forward pass.
    struct ForwardCache {
        var pass: EncoderPass<Ops>?
        /// The table rows the first layer read (a sampled pass: the rows its root weight read).
        var table: Tensor?
        /// A sampled pass's propagated table and features, `P̃E` and `P̃X`.
        var propagatedTable: Tensor?
        var propagatedFeatures: Tensor?
        /// Each convolution's input, `ReLU(A) ⊙ mask` (its backward needs no pre-activation `A`).
        var activations: [Tensor] = []
        var masks: [DropoutMask?] = []
    }

    /// A parameter's tensors on its device. A class, so that shards running concurrently each write
    /// their own parameters' state.
    final class ParameterState {
        var value: Tensor
        var gradient: Tensor
        var firstMoment: Tensor
        var secondMoment: Tensor
        var average: Tensor?
        /// A table's gradient between steps: a 1 × 1 placeholder, not the table-sized matrix
        /// (``TrainingEngine/holdGradient(_:)``).
        var gradientReleased = false
        /// Whether the moments are the parameter's shape; until its first update (or an upload of
        /// nonzero ones) they are 1 × 1 placeholders for zero moments (``TrainingEngine/holdMoments(_:)``).
        var momentsHeld = false

        init(value: Tensor, gradient: Tensor, firstMoment: Tensor, secondMoment: Tensor) {
            self.value = value
            self.gradient = gradient
            self.firstMoment = firstMoment
            self.secondMoment = secondMoment
        }
    }

    /// One relation's decoder buffers on the decoder's device, reused across chunks and steps: allocated
    /// for the largest chunk seen, reshaped to each chunk.
    struct Workspace {
        var capacity: Int
        var gathered: Tensor
        var gradients: Tensor
        var biases: Tensor
        var scores: Tensor
        var scoreGradient: Tensor
    }

    /// One device per shard; `placement[m]` is the device of modality `m`.
    private let devices: [Ops]
    private let placement: [Int]
    /// The device that holds the decoders, the loss and the exchange's meeting point.
    private let decoderDevice = 0
    let model: HyperLearnModel
    private let configuration: TrainingConfiguration
    private let parameters: [Parameter]
    private let slots: [ObjectIdentifier: Int]
    /// The device of each parameter, and whether this process updates it (MPI: its own shards' only).
    private let parameterDevice: [Int]
    private let parameterIsLocal: [Bool]
    private let states: [ParameterState]
    private let inputs: [EncoderInputs]
    /// Per modality with a propagation, its neighbour sampler (sampled steps only).
    private let samplers: [NeighborSampler?]
    private let relationWeights: [Float]
    private let exchange: any ShardExchange
    private let plan: ShardPlan
    /// Whether this process runs modality `m`'s encoder.
    private let local: [Bool]
    private var loss: Tensor
    /// Per modality, its smoothness loss since the last ``takeLoss()`` (on its owner's device).
    private var smoothness: [Tensor?]
    /// Per relation, its decoder workspace.
    private var workspaces: [Int: Workspace] = [:]
    private var phaseTimes = PhaseTimes()
    /// Per modality, its held embeddings when frozen (``FrozenParts``): no encoder pass, no gradient.
    private let held: [Tensor?]
    /// Parameters that no step updates (frozen encoders and decoders).
    private let frozenSlots: Set<Int>
    /// The encoders' tables: a matrix per item each, so their gradients exist only from the backward
    /// pass that writes them to the optimiser that reads them (``holdGradient(_:)``).
    private let tableSlots: Set<Int>

    /// - Parameters:
    ///   - devices: one per shard of `plan`.
    ///   - plan: which shard owns which modality; the decoders go to shard 0's device.
    ///   - exchange: how gathered rows reach the decoder when processes own different shards.
    ///   - frozen: modalities whose embeddings are held and parameters that do not change.
    init(devices: [Ops], plan: ShardPlan, exchange: any ShardExchange, model: HyperLearnModel,
         configuration: TrainingConfiguration, relationWeights: [Float], frozen: FrozenParts = FrozenParts()) throws {
        guard !devices.isEmpty, devices.count == plan.shardCount, plan.owners.count == model.encoders.count else {
            throw HyperLearnError.invalidArgument("\(devices.count) device(s) for \(plan) over \(model.encoders.count) modalities; give one device per shard")
        }
        self.devices = devices
        self.plan = plan
        placement = plan.owners
        self.exchange = exchange
        self.model = model
        self.configuration = configuration
        self.relationWeights = relationWeights
        var local = [Bool](repeating: false, count: model.encoders.count)
        for s in try exchange.localShards(of: plan) { for m in plan.modalities(of: s) { local[m] = true } }
        self.local = local
        parameters = model.parameters
        slots = Dictionary(uniqueKeysWithValues: parameters.enumerated().map { (ObjectIdentifier($1), $0) })
        var owner = [ObjectIdentifier: Int]()
        for (m, encoder) in model.encoders.enumerated() {
            for parameter in encoder.parameters { owner[ObjectIdentifier(parameter)] = m }
        }
        parameterDevice = parameters.map { owner[ObjectIdentifier($0)].map { plan.owners[$0] } ?? 0 }
        parameterIsLocal = parameters.map { owner[ObjectIdentifier($0)].map { local[$0] } ?? true }
        // An engine that only evaluates (`--epochs 0`, scoring before `fit`) never needs a table's
        // gradient or any moment: they start as placeholders and take their shape when a step needs
        // them (at 20M items, about 4.5 GB of zeros that would otherwise be written at creation).
        let tables = Set(model.encoders.compactMap { $0.table.map(ObjectIdentifier.init) })
        states = try zip(parameters, parameterDevice).map { parameter, device in
            let ops = devices[device]
            let isTable = tables.contains(ObjectIdentifier(parameter))
            let state = ParameterState(value: try ops.upload(parameter.value),
                                       gradient: isTable ? try ops.zeros(rows: 1, columns: 1)
                                                         : try ops.zeros(rows: parameter.rows, columns: parameter.columns),
                                       firstMoment: try ops.zeros(rows: 1, columns: 1), secondMoment: try ops.zeros(rows: 1, columns: 1))
            state.gradientReleased = isTable
            return state
        }
        inputs = try model.encoders.enumerated().map { m, encoder in
            let ops = devices[plan.owners[m]]
            return EncoderInputs(features: try encoder.features.map { try ops.upload($0) },
                                 sparse: try encoder.sparseFeatures.map { try ops.upload($0) },
                                 sparseTransposed: try encoder.sparseFeaturesTransposed.map { try ops.upload($0) },
                                 propagation: try encoder.propagation.map { try Self.upload($0, ops: ops) })
        }
        samplers = model.encoders.map { encoder in
            configuration.layerFanouts == nil ? nil : encoder.propagation.map { NeighborSampler($0) }
        }
        loss = try devices[decoderDevice].zeros(rows: 1, columns: 1)
        smoothness = Array(repeating: nil, count: model.encoders.count)
        held = try model.encoders.indices.map { m in try frozen.embeddings[m].map { try devices[plan.owners[m]].upload($0) } }
        let frozenParameters = frozen.parameters(of: model), all = model.parameters
        frozenSlots = Set(all.indices.filter { frozenParameters.contains(ObjectIdentifier(all[$0])) })
        let slotOfParameter = slots
        tableSlots = Set(model.encoders.compactMap { $0.table.flatMap { slotOfParameter[ObjectIdentifier($0)] } })
    }

    private static func upload(_ propagation: any Propagation, ops: Ops) throws -> DevicePropagation {
        try EncoderPass<Ops>.upload(propagation.terms, rows: propagation.count, ops: ops)
    }

    var deviceDescription: String {
        var distinct = [Ops]()
        for device in devices where !distinct.contains(where: { $0.sharesMemory(with: device) }) { distinct.append(device) }
        let names = distinct.map(\.deviceDescription).joined(separator: ", ")
        return devices.count > 1 ? "\(devices.count) shards on \(names)" : names
    }

    // MARK: State at epoch edges

    func upload(_ parameters: [Parameter], moments: [String: Adam.Moments], averages: [Matrix]?) throws {
        for (i, parameter) in parameters.enumerated() {
            let ops = devices[parameterDevice[i]]
            states[i].value = try ops.upload(parameter.value)
            if let state = moments[parameter.name] {
                states[i].firstMoment = try ops.upload(state.first)
                states[i].secondMoment = try ops.upload(state.second)
                states[i].momentsHeld = true
            } else {
                try releaseMoments(i)
            }
            states[i].average = try averages.map { try ops.upload($0[i]) }
        }
    }

    func download(into parameters: [Parameter]) throws -> (moments: [String: Adam.Moments], averages: [Matrix]?) {
        var averages = [Matrix](), moments = [String: Adam.Moments]()
        for (i, parameter) in parameters.enumerated() {
            let ops = devices[parameterDevice[i]]
            parameter.value = try ops.download(states[i].value)
            // Moments never updated stay absent: the optimiser reads absent moments as zero.
            if states[i].momentsHeld {
                moments[parameter.name] = Adam.Moments(first: try ops.download(states[i].firstMoment),
                                                       second: try ops.download(states[i].secondMoment))
            }
            if let average = states[i].average { averages.append(try ops.download(average)) }
        }
        return (moments, averages.count == parameters.count ? averages : nil)
    }

    func downloadGradients(into parameters: [Parameter]) throws {
        for (i, parameter) in parameters.enumerated() {
            try holdGradient(i)
            parameter.gradient = try devices[parameterDevice[i]].download(states[i].gradient)
        }
    }

    /// Replaces each table's gradient by a placeholder (see ``holdGradient(_:)``).
    private func releaseTableGradients() throws {
        for i in tableSlots where !states[i].gradientReleased {
            states[i].gradient = try devices[parameterDevice[i]].zeros(rows: 1, columns: 1)
            states[i].gradientReleased = true
        }
    }

    /// Gives a released table gradient its zeroed matrix back, before a step first writes or reads it.
    /// A step releases every table's gradient when it starts instead of zeroing it: on a full pass it is
    /// a matrix over all items, and the step's forward pass and decoder (its peak) do not need it.
    private func holdGradient(_ i: Int) throws {
        let state = states[i]
        guard state.gradientReleased else { return }
        state.gradient = try devices[parameterDevice[i]].zeros(rows: parameters[i].rows, columns: parameters[i].columns)
        state.gradientReleased = false
    }

    /// Gives a parameter's placeholder moments their zeroed shape, before its first update.
    private func holdMoments(_ i: Int) throws {
        let state = states[i]
        guard !state.momentsHeld else { return }
        let ops = devices[parameterDevice[i]]
        state.firstMoment = try ops.zeros(rows: parameters[i].rows, columns: parameters[i].columns)
        state.secondMoment = try ops.zeros(rows: parameters[i].rows, columns: parameters[i].columns)
        state.momentsHeld = true
    }

    /// Zero moments as placeholders again (see ``holdMoments(_:)``).
    private func releaseMoments(_ i: Int) throws {
        let state = states[i], ops = devices[parameterDevice[i]]
        state.firstMoment = try ops.zeros(rows: 1, columns: 1)
        state.secondMoment = try ops.zeros(rows: 1, columns: 1)
        state.momentsHeld = false
    }

    func takePhaseTimes() -> PhaseTimes {
        defer { phaseTimes.reset() }
        return phaseTimes
    }

    func takeLoss() throws -> Double {
        let home = devices[decoderDevice]
        var total = Double(try home.download(loss).storage[0])
        try home.zero(&loss)
        var smoothnessLosses = [Double](repeating: 0, count: smoothness.count)
        for m in smoothness.indices {
            guard var tensor = smoothness[m] else { continue }
            let ops = devices[placement[m]]
            smoothnessLosses[m] = Double(try ops.download(tensor).storage[0])
            try ops.zero(&tensor)
            smoothness[m] = tensor
        }
        // Only an encoder's owner computes its smoothness; every process reports the same total.
        if configuration.smoothness > 0 { try exchange.allReduceSum(&smoothnessLosses) }
        total += smoothnessLosses.reduce(0, +)
        return total
    }

    // MARK: One step

    private func slot(_ parameter: Parameter) -> Int { slots[ObjectIdentifier(parameter)]! }
    private func state(_ parameter: Parameter) -> ParameterState { states[slot(parameter)] }

    /// `tensor` on device `to` (the same handle when both share memory; otherwise a copy through the host).
    private func move(_ tensor: Tensor, from: Int, to: Int) throws -> Tensor {
        devices[from].sharesMemory(with: devices[to]) ? tensor : try devices[to].upload(devices[from].download(tensor))
    }

    /// The local modalities of each shard this process runs, with the device that runs them.
    private var localShards: [(device: Int, modalities: [Int])] {
        get throws { try exchange.localShards(of: plan).map { ($0, plan.modalities(of: $0)) } }
    }

    /// Runs `body` for every local shard: concurrently on devices that do so (the CPU's thread
    /// groups), shards on devices of different memory in turn (their queues overlap by themselves).
    private func forEachLocalShard<T>(_ body: (Int, [Int]) throws -> T) throws -> [T] {
        let shards = try localShards
        return try devices[decoderDevice].mapShards(shards.count) { s in try body(shards[s].device, shards[s].modalities) }
    }

    func step(_ batches: [RelationBatch], dropoutGenerators: inout [SeededGenerator], samplingSeed: UInt64,
              rule: AdamRule?, averaging: Float) throws -> ExchangeVolume {
        let fanouts = configuration.layerFanouts
        // A table that lazy Adam updates row by row never reads its whole gradient: no pass over it.
        let lazyTables = fanouts != nil && configuration.lazyAdam && rule != nil
            ? Set(model.encoders.indices.compactMap { m in samplers[m] == nil ? nil : model.encoders[m].table.map(slot) }) : []
        for (i, state) in states.enumerated() where !lazyTables.contains(i) && !frozenSlots.contains(i) && !tableSlots.contains(i) {
            try devices[parameterDevice[i]].zero(&state.gradient)
        }
        try releaseTableGradients()
        let generators = dropoutGenerators
        // Sampled steps: every local modality's items and neighbourhoods, drawn on the host, concurrently.
        let samplingStart = DispatchTime.now().uptimeNanoseconds
        var samples = [Int: (seeds: [Int32], rowOfItem: [Int32], neighborhood: SampledNeighborhood?)]()
        if let fanouts {
            let modalities = encoded(try localShards.flatMap(\.modalities))
            let drawn = try CPUOperations().mapShards(modalities.count) { i in
                let m = modalities[i]
                let (seeds, rows) = Self.stepItems(of: m, in: batches, members: model.relationMembers, count: model.encoders[m].count)
                var generator = SeededGenerator(seed: samplingSeed ^ (UInt64(m + 1) &* 0x9E37_79B9_7F4A_7C15))
                return (seeds, rows, samplers[m]?.sample(seeds: seeds, fanouts: Array(fanouts.prefix(propagationLevels(m))),
                                                         using: &generator))
            }
            for (m, sample) in zip(modalities, drawn) { samples[m] = sample }
        }
        let sampling = Double(DispatchTime.now().uptimeNanoseconds - samplingStart) / 1e9
        let start = DispatchTime.now().uptimeNanoseconds
        var forwards = try forEachLocalShard { device, modalities in
            try encoded(modalities).map { m -> (Int, Tensor, ForwardCache, SeededGenerator, [Int32]?) in
                var generator = generators[m], cache = ForwardCache()
                var pass = fullPass(m)
                if let sample = samples[m] {
                    pass = try .sampled(on: devices[device], encoder: model.encoders[m], features: inputs[m].features,
                                        neighborhood: sample.neighborhood, seeds: sample.seeds, levels: propagationLevels(m))
                }
                let z = try forward(m, pass, value: { self.state($0).value }, training: true, generator: &generator, cache: &cache)
                return (m, z, cache, generator, samples[m]?.rowOfItem)
            }
        }.flatMap { $0 }
        phaseTimes.neighborSampling += sampling
        phaseTimes.encoderForward += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var embeddings = held
        for (m, z) in held.enumerated() where z == nil && local[m] { phaseTimes.encoderPasses[m, default: 0] += 1 }
        var caches = [ForwardCache?](repeating: nil, count: model.encoders.count)
        var rowOfItem = [[Int32]?](repeating: nil, count: model.encoders.count)
        for (m, z, cache, generator, rows) in forwards {
            embeddings[m] = z
            caches[m] = cache
            dropoutGenerators[m] = generator
            rowOfItem[m] = rows
        }
        forwards.removeAll()
        var batches = batches
        if fanouts != nil {
            for b in batches.indices {
                let members = model.relationMembers[batches[b].relation], p = batches[b].order
                var rows = batches[b].members
                for (k, item) in rows.enumerated() {
                    if let map = rowOfItem[members[k % p]] { rows[k] = map[Int(item)] }
                }
                batches[b].rows = rows
            }
        }
        var embeddingGradients = try model.encoders.enumerated().map { m, encoder -> Tensor? in
            guard local[m], let rows = caches[m]?.pass?.levels.last?.rows else { return nil }
            return try devices[placement[m]].zeros(rows: rows, columns: encoder.outputDimensions)
        }
        var volume = ExchangeVolume()
        for batch in batches where batch.count > 0 {
            volume += try decode(batch, embeddings: embeddings, biases: itemBiasValues(), embeddingGradients: &embeddingGradients)
        }
        // The backward passes own their inputs from here (a full pass's cache holds the table itself, so
        // Adam then updates the table in place instead of copying it first).
        var pending = [Int: PendingBackward]()
        for m in model.encoders.indices {
            if let cache = caches[m], let upstream = embeddingGradients[m], let z = embeddings[m] {
                pending[m] = PendingBackward(upstream: upstream, embedding: configuration.smoothness > 0 ? z : nil, cache: cache)
            }
        }
        caches.removeAll()
        embeddingGradients.removeAll()
        embeddings.removeAll()
        let rowGradients = try timed(&phaseTimes.encoderBackward) {
            try forEachLocalShard { _, modalities in
                try encoded(modalities).compactMap { m in
                    guard let inputs = pending[m] else { throw HyperLearnError.invalidArgument("no forward pass for modality \(m)") }
                    return try backward(m, inputs)
                }
            }.flatMap { $0 }
        }
        // Lazy Adam updates a sampled table's rows from their gradient; otherwise it joins the table's gradient.
        let lazy = rule != nil && configuration.lazyAdam
        if !lazy {
            for row in rowGradients {
                try holdGradient(row.slot)
                try devices[parameterDevice[row.slot]].scatterAddRows(row.gradient, fromRow: 0, row.rows, into: &states[row.slot].gradient)
            }
        }
        guard let rule else { return volume }
        try timed(&phaseTimes.optimizer) {
            let rowUpdates = lazy ? Dictionary(uniqueKeysWithValues: rowGradients.map { ($0.slot, $0) }) : [:]
            for (i, state) in states.enumerated() where parameterIsLocal[i] && !frozenSlots.contains(i) {
                let ops = devices[parameterDevice[i]]
                try holdMoments(i)
                if let row = rowUpdates[i] {
                    try ops.adamStepRows(parameter: &state.value, gradient: row.gradient, rows: row.rows,
                                         firstMoment: &state.firstMoment, secondMoment: &state.secondMoment, rule: rule)
                } else {
                    try holdGradient(i)
                    try ops.adamStep(parameter: &state.value, gradient: state.gradient, firstMoment: &state.firstMoment,
                                     secondMoment: &state.secondMoment, rule: rule)
                }
            }
            if averaging > 0 { try updateAverages(averaging) }
        }
        try releaseTableGradients()
        return volume
    }

    /// The modalities of `modalities` whose encoders run (the frozen ones hold their embeddings).
    private func encoded(_ modalities: [Int]) -> [Int] { modalities.filter { held[$0] == nil } }

    /// `avg = β avg + (1 − β) value`, starting from the values after the first step.
    private func updateAverages(_ beta: Float) throws {
        for (i, state) in states.enumerated() {
            let ops = devices[parameterDevice[i]]
            if var average = state.average {
                state.average = nil  // unique ownership while updating
                try ops.scale(&average, by: beta)
                try ops.axpy(1 - beta, state.value, &average)
                state.average = average
            } else {
                var copy = try ops.zeros(rows: parameters[i].rows, columns: parameters[i].columns)
                try ops.axpy(1, state.value, &copy)
                state.average = copy
            }
        }
    }

    /// The distinct items of modality `m` that `batches` name, in order of first appearance, and each
    /// item's position among them (−1 for the others).
    private static func stepItems(of m: Int, in batches: [RelationBatch], members: [[Int]], count: Int) -> ([Int32], [Int32]) {
        var position = [Int32](repeating: -1, count: count), items = [Int32]()
        for batch in batches {
            let columns = members[batch.relation].indices.filter { members[batch.relation][$0] == m }
            guard !columns.isEmpty else { continue }
            for e in 0..<batch.count {
                for j in columns {
                    let item = batch.members[e * batch.order + j]
                    if position[Int(item)] < 0 {
                        position[Int(item)] = Int32(items.count)
                        items.append(item)
                    }
                }
            }
        }
        return (items, position)
    }

    private func itemBiasValues() -> [Tensor] { model.encoders.map { state($0.itemBias).value } }

    /// Relation `r`'s workspace shaped for a chunk of `edges` hyperedges, taken out of the cache (unique
    /// ownership while in use, so that writes do not copy); put it back when done.
    private func takeWorkspace(relation r: Int, edges: Int, order p: Int, dimensions d: Int) throws -> Workspace {
        let home = devices[decoderDevice]
        guard var work = workspaces.removeValue(forKey: r), work.capacity >= edges else {
            return Workspace(capacity: edges, gathered: try home.zeros(rows: p * edges, columns: d),
                             gradients: try home.zeros(rows: p * edges, columns: d),
                             biases: try home.zeros(rows: p * edges, columns: 1),
                             scores: try home.zeros(rows: edges, columns: 1),
                             scoreGradient: try home.zeros(rows: edges, columns: 1))
        }
        try home.reshape(&work.gathered, rows: p * edges, columns: d)
        try home.reshape(&work.gradients, rows: p * edges, columns: d)
        try home.reshape(&work.biases, rows: p * edges, columns: 1)
        try home.reshape(&work.scores, rows: edges, columns: 1)
        try home.reshape(&work.scoreGradient, rows: edges, columns: 1)
        return work
    }

    /// Streams `batch` through its relation's decoder in chunks: gathers each member's rows and item
    /// biases, scores them, adds the loss and scatters the row and bias gradients back to each owner.
    private func decode(_ batch: RelationBatch, embeddings: [Tensor?], biases: [Tensor],
                        embeddingGradients: inout [Tensor?]) throws -> ExchangeVolume {
        let r = batch.relation, p = batch.order, total = batch.count
        let members = model.relationMembers[r]
        let decoder = model.decoders[r]
        let d = model.encoders[members[0]].outputDimensions
        let home = devices[decoderDevice]
        let value: (Parameter) -> Tensor = { self.state($0).value }
        let weight = relationWeights[r], normalizer = Float(total) / weight
        // Chunks of equal size (they differ by at most one hyperedge), so that the workspace keeps its
        // shape from chunk to chunk instead of shrinking for a short last chunk and growing back.
        let chunks = (total + max(1, configuration.chunkSize) - 1) / max(1, configuration.chunkSize)
        let allLocal = members.allSatisfy { local[$0] }
        var volume = ExchangeVolume()
        for chunk in 0..<chunks {
            let start = total * chunk / chunks, edges = total * (chunk + 1) / chunks - start
            var work = try takeWorkspace(relation: r, edges: edges, order: p, dimensions: d)
            defer { workspaces[r] = work }
            // Gather: each member's rows on its owner's device, into block j of the workspace.
            let gatherStart = DispatchTime.now().uptimeNanoseconds
            // `columns[j]`: member j's items (their biases); `rows[j]`: their rows of the step's embeddings.
            var columns = [Ops.IndexVector?](repeating: nil, count: p), rows = columns
            for (j, m) in members.enumerated() where local[m] {
                let owner = placement[m], ops = devices[owner]
                columns[j] = try ops.upload((start..<(start + edges)).map { batch.members[$0 * p + j] })
                rows[j] = try batch.rows.map { stepRows in try ops.upload((start..<(start + edges)).map { stepRows[$0 * p + j] }) }
                    ?? columns[j]
                if ops.sharesMemory(with: home) {
                    try ops.gatherRows(embeddings[m]!, rows[j]!, into: &work.gathered, atRow: j * edges)
                    try ops.gatherRows(biases[m], columns[j]!, into: &work.biases, atRow: j * edges)
                } else {
                    var memberRows = try ops.zeros(rows: edges, columns: d), itemBiases = try ops.zeros(rows: edges, columns: 1)
                    try ops.gatherRows(embeddings[m]!, rows[j]!, into: &memberRows, atRow: 0)
                    try ops.gatherRows(biases[m], columns[j]!, into: &itemBiases, atRow: 0)
                    try home.copyRows(move(memberRows, from: owner, to: decoderDevice), into: &work.gathered, atRow: j * edges)
                    try home.copyRows(move(itemBiases, from: owner, to: decoderDevice), into: &work.biases, atRow: j * edges)
                }
            }
            if !allLocal { try exchangeBlocks(&work, edges: edges, order: p, dimensions: d, members: members) }
            volume += ExchangeVolume(rowBytes: p * edges * d * MemoryLayout<Float>.size,
                                     biasBytes: p * edges * MemoryLayout<Float>.size)
            let decoderStart = DispatchTime.now().uptimeNanoseconds
            phaseTimes.gather += Double(decoderStart - gatherStart) / 1e9
            let standalone = decoder.counts == nil ? 0 : configuration.standaloneEmbeddingLoss
            let caches = try DecoderPass.score(home, decoder, gathered: work.gathered, biases: work.biases,
                                               counts: DecoderPass<Ops>.countRows(batch.counts, of: decoder, members: batch.members,
                                                                                  start: start, edges: edges, on: home),
                                               keepCountScores: standalone > 0, order: p, edges: edges, value: value,
                                               into: &work.scores)
            // Loss and its gradient, scaled by the relation's weight over the whole batch.
            let positives = max(0, min(edges, batch.positives - start))
            if let targets = batch.targets {
                let chunkTargets = try home.upload(Matrix(rows: edges, columns: 1, storage: Array(targets[start..<(start + edges)])))
                try home.squaredErrorLoss(scores: work.scores, targets: chunkTargets, normalizer: normalizer,
                                          lossScale: weight / Float(total), gradient: &work.scoreGradient, loss: &loss)
            } else {
                try home.logisticLoss(scores: work.scores, positives: positives, normalizer: normalizer,
                                      lossScale: weight / Float(total), gradient: &work.scoreGradient, loss: &loss)
            }
            // The decoder's backward pass: parameter gradients, and ∂G into the gradient blocks. The count
            // term takes the loss's gradient alone; with a standalone embedding loss, every other part
            // also takes that loss's gradient, on the score without the count term.
            if let counts = decoder.counts, let cache = caches.counts {
                try perceptronBackward(counts.layers, cache, edges: edges, scoreGradient: work.scoreGradient, inputGradient: false)
            }
            if standalone > 0, let countScores = caches.countScores {
                var embeddingScores = try home.zeros(rows: edges, columns: 1), embeddingGradient = embeddingScores
                try home.axpy(1, work.scores, &embeddingScores)
                try home.axpy(-1, countScores, &embeddingScores)
                try home.logisticLoss(scores: embeddingScores, positives: positives, normalizer: normalizer / standalone,
                                      lossScale: standalone * weight / Float(total), gradient: &embeddingGradient, loss: &loss)
                try home.axpy(1, embeddingGradient, &work.scoreGradient)
            }
            let mu = state(decoder.cp.globalBias)
            try home.accumulateColumnSums(work.scoreGradient, into: &mu.gradient)
            if !decoder.kind.includesCP {
                try home.zero(&work.gradients)
            } else {
                let lambda = state(decoder.cp.weights)
                try home.cpGradient(work.gathered, order: p, lambda: lambda.value, upstream: work.scoreGradient,
                                    into: &work.gradients, lambdaGradient: &lambda.gradient)
            }
            if let tuple = decoder.tuple, let cache = caches.tuple,
               let dInput = try perceptronBackward([tuple.hidden, tuple.output], cache, edges: edges,
                                                   scoreGradient: work.scoreGradient, inputGradient: true) {
                try home.addSplitMembers(dInput, order: p, to: &work.gradients)
            }
            if let attention = decoder.attention, let cache = caches.attention {
                try attentionBackward(attention, cache, gathered: work.gathered, order: p, edges: edges,
                                      scoreGradient: work.scoreGradient, gradients: &work.gradients)
            }
            if let pairwise = decoder.pairwise {
                let nu = state(pairwise.weights)
                try home.pairwiseGradient(work.gathered, order: p, nu: nu.value, upstream: work.scoreGradient,
                                          addingTo: &work.gradients, nuGradient: &nu.gradient)
            }
            let l2 = configuration.embeddingRegularization
            if l2 > 0 {
                try home.accumulateDot(work.gathered, work.gathered, scale: weight * l2 / Float(total), into: &loss)
                try home.axpy(2 * l2 / normalizer, work.gathered, &work.gradients)
            }
            // Scatter: each local member's gradient rows and bias gradients into its owner's modality.
            let scatterStart = DispatchTime.now().uptimeNanoseconds
            phaseTimes.decoder += Double(scatterStart - decoderStart) / 1e9
            defer { phaseTimes.scatter += Double(DispatchTime.now().uptimeNanoseconds - scatterStart) / 1e9 }
            let scattered = members.indices.filter { local[members[$0]] && held[members[$0]] == nil }
            let sameMemory = scattered.filter { devices[placement[members[$0]]].sharesMemory(with: home) }
            if !sameMemory.isEmpty {
                // Every member's gradient rows in one call, so that the CPU adds them into the
                // different modalities concurrently.
                let destinations = Array(Set(sameMemory.map { members[$0] })).sorted()
                var gradients = destinations.map { embeddingGradients[$0].take()! }
                defer { for (k, m) in destinations.enumerated() { embeddingGradients[m] = gradients[k] } }
                try home.scatterAddRowBlocks(work.gradients, fromRows: sameMemory.map { $0 * edges }, sameMemory.map { rows[$0]! },
                                             targets: sameMemory.map { destinations.firstIndex(of: members[$0])! },
                                             into: &gradients)
            }
            for j in scattered {
                let m = members[j], owner = placement[m], ops = devices[owner]
                let biasGradient = state(model.encoders[m].itemBias)
                if ops.sharesMemory(with: home) {
                    try ops.scatterAddRows(work.scoreGradient, fromRow: 0, columns[j]!, into: &biasGradient.gradient)
                } else {
                    let all = try home.download(work.gradients)
                    let block = Matrix(rows: edges, columns: d,
                                       uncheckedStorage: Array(all.storage[(j * edges * d)..<((j + 1) * edges * d)]))
                    try ops.scatterAddRows(ops.upload(block), fromRow: 0, rows[j]!, into: &embeddingGradients[m]!)
                    try ops.scatterAddRows(move(work.scoreGradient, from: decoderDevice, to: owner), fromRow: 0,
                                           columns[j]!, into: &biasGradient.gradient)
                }
            }
        }
        return volume
    }

    /// Fills the member blocks that other processes own (MPI), through the host.
    private func exchangeBlocks(_ work: inout Workspace, edges: Int, order p: Int, dimensions d: Int, members: [Int]) throws {
        let home = devices[decoderDevice]
        var gathered = try GatheredRows(order: p, capacity: edges, dimensions: d)
        gathered.rows = try home.download(work.gathered)
        let flat = try home.download(work.biases).storage
        var biases = (0..<p).map { Array(flat[($0 * edges)..<(($0 + 1) * edges)]) }
        try exchange.allGather(&gathered, biases: &biases, count: edges, members: members, plan: plan) { _, _, _ in }
        try home.copyRows(home.upload(gathered.rows), into: &work.gathered, atRow: 0)
        try home.copyRows(home.upload(Matrix(rows: p * edges, columns: 1, storage: biases.flatMap { $0 })), into: &work.biases, atRow: 0)
    }

    /// A perceptron's parameter gradients (``DecoderPass/PerceptronCache``: the tuple and count
    /// decoders) from the scores' gradient; with `inputGradient`, returns `∂input` too.
    @discardableResult
    private func perceptronBackward(_ layers: [Linear], _ cache: DecoderPass<Ops>.PerceptronCache, edges: Int,
                                    scoreGradient: Tensor, inputGradient: Bool) throws -> Tensor? {
        let home = devices[decoderDevice]
        var upstream = scoreGradient
        for (k, layer) in layers.enumerated().reversed() {
            let weight = state(layer.weight)
            try home.gemm(k == 0 ? cache.input : cache.hidden[k - 1], upstream, transposeA: true, transposeB: false, alpha: 1,
                          beta: 1, into: &weight.gradient)
            if let bias = layer.bias { try home.accumulateColumnSums(upstream, into: &state(bias).gradient) }
            guard k > 0 || inputGradient else { return nil }
            var dInput = try home.zeros(rows: edges, columns: layer.inputDimensions)
            try home.gemm(upstream, weight.value, transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dInput)
            if k > 0 { try home.reluDropoutBackward(output: cache.hidden[k - 1], gradient: &dInput, mask: nil) }
            upstream = dInput
        }
        return upstream
    }

    /// The attention decoder's gradients (``AttentionDecoder``), and `∂G` added to the member blocks of
    /// `gradients`: each member's score term `t_j = w · (D_j − S_j)² / p` takes the hyperedge's gradient.
    private func attentionBackward(_ attention: AttentionDecoder, _ cache: DecoderPass<Ops>.AttentionCache, gathered: Tensor,
                                   order p: Int, edges: Int, scoreGradient: Tensor, gradients: inout Tensor) throws {
        let home = devices[decoderDevice]
        let rows = p * edges, a = attention.width
        if let bias = attention.output.bias { try home.accumulateColumnSums(scoreGradient, into: &state(bias).gradient) }
        // ∂t_j[e] = g_e / p, in member blocks.
        var memberGradient = try home.zeros(rows: rows, columns: 1)
        for j in 0..<p { try home.copyRows(scoreGradient, into: &memberGradient, atRow: j * edges) }
        try home.scale(&memberGradient, by: 1 / Float(p))
        let outputWeight = state(attention.output.weight)
        try home.gemm(cache.squared, memberGradient, transposeA: true, transposeB: false, alpha: 1, beta: 1,
                      into: &outputWeight.gradient)
        // ∂(D − S) = 2 (D − S) ⊙ (∂t wᵀ).
        var dSquared = try home.zeros(rows: rows, columns: a)
        try home.gemm(memberGradient, outputWeight.value, transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dSquared)
        var dDifference = try home.multiply(cache.difference, dSquared)
        try home.scale(&dDifference, by: 2)
        // Dynamic side: D = tanh(A W_o + b_o), A = attention(Q, K, V).
        let dDynamicPre = try home.tanhBackward(output: cache.dynamicEmbedding, upstream: dDifference)
        let dynamicWeight = state(attention.dynamicLayer.weight)
        try home.gemm(cache.attended, dDynamicPre, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &dynamicWeight.gradient)
        if let bias = attention.dynamicLayer.bias { try home.accumulateColumnSums(dDynamicPre, into: &state(bias).gradient) }
        var dAttended = try home.zeros(rows: rows, columns: a)
        try home.gemm(dDynamicPre, dynamicWeight.value, transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dAttended)
        let (dQueries, dKeys, dValues) = try home.memberAttentionBackward(
            queries: cache.queries, keys: cache.keys, values: cache.values, weights: cache.weights, upstream: dAttended,
            order: p, heads: attention.heads)
        // Static side: S = tanh(G W_s + b_s), whose gradient is −∂(D − S).
        var dStaticPre = try home.tanhBackward(output: cache.staticEmbedding, upstream: dDifference)
        try home.scale(&dStaticPre, by: -1)
        if let bias = attention.staticLayer.bias { try home.accumulateColumnSums(dStaticPre, into: &state(bias).gradient) }
        for (layer, upstream) in [(attention.staticLayer, dStaticPre), (attention.query, dQueries), (attention.key, dKeys),
                                  (attention.value, dValues)] {
            let weight = state(layer.weight)
            try home.gemm(gathered, upstream, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &weight.gradient)
            try home.gemm(upstream, weight.value, transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &gradients)
        }
    }

    // MARK: Encoders

    /// `P x` (or `x` without a propagation) on `ops`.
    private func propagate(_ x: Tensor, columns: Int, _ propagation: DevicePropagation?, on ops: Ops) throws -> Tensor {
        guard let propagation else { return x }
        var y = try ops.zeros(rows: propagation.count, columns: columns)
        try propagate(x, columns: columns, propagation, on: ops, adding: &y)
        return y
    }

    /// `y ← y + P x` on `ops`.
    private func propagate(_ x: Tensor, columns: Int, _ propagation: DevicePropagation, on ops: Ops, adding y: inout Tensor) throws {
        for term in propagation.terms {
            if let second = term.second {
                var edges = try ops.zeros(rows: term.firstRows, columns: columns)
                try ops.spmm(term.first, x, alpha: 1, beta: 0, into: &edges)
                try ops.spmm(second, edges, alpha: term.weight, beta: 1, into: &y)
            } else {
                try ops.spmm(term.first, x, alpha: term.weight, beta: 1, into: &y)
            }
        }
    }

    /// Encoder `m`'s pass over every item.
    private func fullPass(_ m: Int) -> EncoderPass<Ops> {
        let input = inputs[m]
        return .full(model.encoders[m].count, features: input.features, sparse: input.sparse,
                     sparseTransposed: input.sparseTransposed, propagation: input.propagation, levels: propagationLevels(m))
    }

    /// Propagations in encoder `m`: the first layer's and one per convolution.
    private func propagationLevels(_ m: Int) -> Int { 1 + model.encoders[m].convolutions.count }

    /// `x`'s rows `rows` on `ops` (a root weight's own rows of a sampled level), or `x` itself without.
    private func rows(_ x: Tensor, _ rows: Ops.IndexVector?, count: Int, columns: Int, on ops: Ops) throws -> Tensor {
        guard let rows else { return x }
        var result = try ops.zeros(rows: count, columns: columns)
        try ops.gatherRows(x, rows, into: &result, atRow: 0)
        return result
    }

    /// Encoder `m`'s forward pass over `pass`'s rows with the given parameter values; in training,
    /// dropout is on and `cache` keeps what ``backward(_:_:embedding:cache:)`` needs.
    private func forward(_ m: Int, _ pass: EncoderPass<Ops>, value: (Parameter) -> Tensor, training: Bool,
                         generator: inout SeededGenerator, cache: inout ForwardCache) throws -> Tensor {
        let encoder = model.encoders[m], ops = devices[placement[m]]
        let first = encoder.firstBias.columns, level0 = pass.levels[0]
        var a: Tensor
        if let over = pass.firstOverItems {
            // A sampled pass: (P̃E)W_E + (P̃X)W_X + P̃(B[S₀]W_B), then the root on S₁'s own table rows.
            a = try ops.zeros(rows: level0.rows, columns: first)
            if let table = encoder.table, let tableWeight = encoder.tableWeight {
                let propagated = try propagate(value(table), columns: table.columns, over.forward, on: ops)
                try ops.gemm(propagated, value(tableWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &a)
                if training { cache.propagatedTable = propagated }
            }
            if let features = inputs[m].features, let featureWeight = encoder.featureWeight {
                let propagated = try propagate(features, columns: featureWeight.rows, over.forward, on: ops)
                try ops.gemm(propagated, value(featureWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &a)
                if training { cache.propagatedFeatures = propagated }
            }
            if let sparse = pass.sparse, let sparseWeight = encoder.sparseWeight, let forward = level0.forward {
                var t = try ops.zeros(rows: pass.inputCount, columns: first)
                try ops.spmm(sparse, value(sparseWeight), alpha: 1, beta: 0, into: &t)
                try propagate(t, columns: first, forward, on: ops, adding: &a)
            }
            try ops.addBias(value(encoder.firstBias), to: &a)
            if let table = encoder.table, let rootWeight = encoder.tableRootWeight {
                let own = try rows(value(table), over.ownItems, count: level0.rows, columns: table.columns, on: ops)
                try ops.gemm(own, value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &a)
                if training { cache.table = own }
            }
        } else {
            var t = try ops.zeros(rows: pass.inputCount, columns: first)
            var table: Tensor?
            if let tableParameter = encoder.table {
                table = try rows(value(tableParameter), pass.inputRows, count: pass.inputCount, columns: tableParameter.columns, on: ops)
            }
            if let table, let tableWeight = encoder.tableWeight {
                try ops.gemm(table, value(tableWeight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &t)
            }
            if let features = pass.features, let featureWeight = encoder.featureWeight {
                try ops.gemm(features, value(featureWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &t)
            }
            if let sparse = pass.sparse, let sparseWeight = encoder.sparseWeight {
                try ops.spmm(sparse, value(sparseWeight), alpha: 1, beta: 1, into: &t)
            }
            a = try propagate(t, columns: first, level0.forward, on: ops)
            try ops.addBias(value(encoder.firstBias), to: &a)
            if let table, let rootWeight = encoder.tableRootWeight {
                let own = try rows(table, level0.ownRows, count: level0.rows, columns: rootWeight.rows, on: ops)
                try ops.gemm(own, value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &a)
            }
            if training { cache.table = table }
        }
        if training { cache.pass = pass }
        for (l, conv) in encoder.convolutions.enumerated() {
            let level = pass.levels[l + 1]
            let mask = training ? DropoutMask.draw(rate: encoder.dropout, using: &generator) : nil
            // In place: backward needs the activation only, not the pre-activation as well.
            try ops.reluDropout(&a, mask: mask)
            let h = a
            if training {
                cache.activations.append(h)
                cache.masks.append(mask)
            }
            let out = conv.weight.columns
            var product = try ops.zeros(rows: pass.inputRows(ofLevel: l + 1), columns: out)
            try ops.gemm(h, value(conv.weight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &product)
            var y = try propagate(product, columns: out, level.forward, on: ops)
            try ops.addBias(value(conv.bias), to: &y)
            if let rootWeight = conv.rootWeight {
                let own = try rows(h, level.ownRows, count: level.rows, columns: conv.weight.rows, on: ops)
                try ops.gemm(own, value(rootWeight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &y)
            }
            a = y
        }
        return a
    }

    /// `∂X[own] += ∂Y · Wᵀ` for a root weight `W` (`own`: the output rows' positions among the input rows).
    private func addRootGradient(_ dy: Tensor, _ weight: Tensor, own: Ops.IndexVector?, rows: Int, width: Int,
                                 into dx: inout Tensor, on ops: Ops) throws {
        guard let own else {
            try ops.gemm(dy, weight, transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &dx)
            return
        }
        var product = try ops.zeros(rows: rows, columns: width)
        try ops.gemm(dy, weight, transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &product)
        try ops.scatterAddRows(product, fromRow: 0, own, into: &dx)
    }

    /// A table's gradient on the rows a sampled pass read, and those rows' items.
    struct TableRowGradient {
        var slot: Int
        var gradient: Tensor
        var rows: Ops.IndexVector
    }

    /// What one encoder's backward pass consumes: `∂Z`, `Z` and the forward cache. A class, so that the
    /// pass can let go of each tensor as soon as it is done with it (the embedding after the smoothness
    /// term, `∂Z` after the last layer, each activation after its layer) rather than at the step's end:
    /// on a full pass these are matrices over every item, and the modalities that have not run their
    /// backward pass yet still hold theirs.
    final class PendingBackward {
        var upstream: Tensor?
        /// `Z`, for the smoothness term only (nil without one).
        var embedding: Tensor?
        var cache: ForwardCache?

        init(upstream: Tensor, embedding: Tensor?, cache: ForwardCache) {
            self.upstream = upstream
            self.embedding = embedding
            self.cache = cache
        }
    }

    /// Encoder `m`'s backward pass from `∂Z` (smoothness added first), accumulating its parameters' gradients;
    /// a sampled pass returns its table's gradient on the rows it read instead of adding it to the table's.
    /// Empties `pending` as it goes.
    private func backward(_ m: Int, _ pending: PendingBackward) throws -> TableRowGradient? {
        let encoder = model.encoders[m], ops = devices[placement[m]]
        guard var dy = pending.upstream, var cache = pending.cache, let pass = cache.pass else {
            throw HyperLearnError.invalidArgument("backward without a training forward pass")
        }
        pending.upstream = nil
        pending.cache = nil
        let gamma = configuration.smoothness
        if gamma > 0, let propagation = inputs[m].propagation, let z = pending.embedding {
            pending.embedding = nil
            // γ tr(Zᵀ(I − P)Z)/n and its gradient 2γ(Z − PZ)/n (P symmetric; full-graph passes only).
            let pz = try propagate(z, columns: encoder.outputDimensions, propagation, on: ops)
            let n = Float(max(encoder.count, 1))
            var term = try smoothness[m] ?? ops.zeros(rows: 1, columns: 1)
            try ops.accumulateDot(z, z, scale: gamma / n, into: &term)
            try ops.accumulateDot(z, pz, scale: -gamma / n, into: &term)
            smoothness[m] = term
            try ops.axpy(2 * gamma / n, z, &dy)
            try ops.axpy(-2 * gamma / n, pz, &dy)
        }
        let value: (Parameter) -> Tensor = { self.state($0).value }
        for l in stride(from: encoder.convolutions.count - 1, through: 0, by: -1) {
            // Layers run from the top: the last activation is this layer's. Its input gradient takes the
            // activation's place, so a full pass holds one matrix of the layer's input width, not two.
            let conv = encoder.convolutions[l], level = pass.levels[l + 1]
            var h = cache.activations.removeLast()
            let inWidth = conv.weight.rows, outWidth = conv.weight.columns, inputRows = pass.inputRows(ofLevel: l + 1)
            try ops.accumulateColumnSums(dy, into: &state(conv.bias).gradient)
            let dt = try propagate(dy, columns: outWidth, level.backward, on: ops)
            try ops.gemm(h, dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(conv.weight).gradient)
            if let rootWeight = conv.rootWeight {
                let own = try rows(h, level.ownRows, count: level.rows, columns: inWidth, on: ops)
                try ops.gemm(own, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(rootWeight).gradient)
            }
            if let rootWeight = conv.rootWeight, let ownRows = level.ownRows {
                // A sampled level: the root's rows are some of the input rows, and their gradient is scattered there.
                var dx = try ops.zeros(rows: inputRows, columns: inWidth)
                try ops.gemm(dt, value(conv.weight), transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dx)
                try addRootGradient(dy, value(rootWeight), own: ownRows, rows: level.rows, width: inWidth, into: &dx, on: ops)
                try ops.reluDropoutBackward(output: h, gradient: &dx, mask: cache.masks[l])
                dy = dx
            } else {
                let root = conv.rootWeight.map { (upstream: dy, weight: value($0)) }
                try ops.reluDropoutBackwardProduct(dt, weight: value(conv.weight), root: root, mask: cache.masks[l],
                                                   rows: inputRows, columns: inWidth, activation: &h)
                dy = h
            }
        }
        let level0 = pass.levels[0]
        try ops.accumulateColumnSums(dy, into: &state(encoder.firstBias).gradient)
        if pass.firstOverItems != nil {
            return try firstLayerBackward(m, dy, level0: level0, pass: pass, cache: cache)
        }
        let dt = try propagate(dy, columns: encoder.firstBias.columns, level0.backward, on: ops)
        if let tableParameter = encoder.table, let table = cache.table {
            // ∂E: straight into the table's gradient over every item, or over the pass's input rows and
            // scattered to their items.
            var compact: Tensor?
            if pass.inputRows != nil { compact = try ops.zeros(rows: pass.inputCount, columns: tableParameter.columns) }
            try holdGradient(slot(tableParameter))
            func addToTable(_ body: (inout Tensor) throws -> Void) throws {
                if compact != nil { try body(&compact!) } else { try body(&state(tableParameter).gradient) }
            }
            if let tableWeight = encoder.tableWeight {
                try ops.gemm(table, dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(tableWeight).gradient)
                try addToTable { try ops.gemm(dt, value(tableWeight), transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &$0) }
            }
            if let rootWeight = encoder.tableRootWeight {
                let own = try rows(table, level0.ownRows, count: level0.rows, columns: tableParameter.columns, on: ops)
                try ops.gemm(own, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(rootWeight).gradient)
                try addToTable {
                    try addRootGradient(dy, value(rootWeight), own: level0.ownRows, rows: level0.rows, width: tableParameter.columns, into: &$0, on: ops)
                }
            }
            if let compact, let inputRows = pass.inputRows {
                try ops.scatterAddRows(compact, fromRow: 0, inputRows, into: &state(tableParameter).gradient)
            }
        }
        if let features = pass.features, let featureWeight = encoder.featureWeight {
            try ops.gemm(features, dt, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(featureWeight).gradient)
        }
        if let sparseTransposed = pass.sparseTransposed, let sparseWeight = encoder.sparseWeight {
            try ops.spmm(sparseTransposed, dt, alpha: 1, beta: 1, into: &state(sparseWeight).gradient)
        }
        return nil
    }

    /// The first layer's backward pass of a sampled pass (the propagate-first form of ``forward``):
    /// `∂W_E += (P̃E)ᵀ∂A`, `∂E += P̃ᵀ(∂A W_Eᵀ)`, the root's rows scattered to `S₁`'s items, and likewise
    /// for the features; the sparse features take `P̃ᵀ∂A` on `S₀`'s rows.
    private func firstLayerBackward(_ m: Int, _ dy: Tensor, level0: EncoderPass<Ops>.Level, pass: EncoderPass<Ops>,
                                    cache: ForwardCache) throws -> TableRowGradient? {
        let encoder = model.encoders[m], ops = devices[placement[m]]
        let value: (Parameter) -> Tensor = { self.state($0).value }
        var rowGradient: TableRowGradient?
        if let table = encoder.table, let rows = pass.inputRows {
            // ∂E on the input rows S₀ (the root's rows S₁ are their prefix).
            var compact = try ops.zeros(rows: pass.inputCount, columns: table.columns)
            if let tableWeight = encoder.tableWeight, let propagated = cache.propagatedTable, let backward = level0.backward {
                try ops.gemm(propagated, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(tableWeight).gradient)
                var dPropagated = try ops.zeros(rows: level0.rows, columns: table.columns)
                try ops.gemm(dy, value(tableWeight), transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dPropagated)
                try propagate(dPropagated, columns: table.columns, backward, on: ops, adding: &compact)
            }
            if let rootWeight = encoder.tableRootWeight, let own = cache.table {
                try ops.gemm(own, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(rootWeight).gradient)
                try addRootGradient(dy, value(rootWeight), own: level0.ownRows, rows: level0.rows, width: table.columns,
                                    into: &compact, on: ops)
            }
            rowGradient = TableRowGradient(slot: slot(table), gradient: compact, rows: rows)
        }
        if let featureWeight = encoder.featureWeight, let propagated = cache.propagatedFeatures {
            try ops.gemm(propagated, dy, transposeA: true, transposeB: false, alpha: 1, beta: 1, into: &state(featureWeight).gradient)
        }
        if let sparseTransposed = pass.sparseTransposed, let sparseWeight = encoder.sparseWeight {
            let dt = try propagate(dy, columns: encoder.firstBias.columns, level0.backward, on: ops)
            try ops.spmm(sparseTransposed, dt, alpha: 1, beta: 1, into: &state(sparseWeight).gradient)
        }
        return rowGradient
    }

    // MARK: Evaluation on the engine's devices

    /// Each parameter's given value on its device (a no-op copy on the CPU).
    private func uploaded(_ values: [Matrix]) throws -> [ObjectIdentifier: Tensor] {
        guard values.count == parameters.count else {
            throw HyperLearnError.invalidArgument("\(values.count) parameter values for a model of \(parameters.count)")
        }
        var result = [ObjectIdentifier: Tensor]()
        for (i, parameter) in parameters.enumerated() {
            result[ObjectIdentifier(parameter)] = try devices[parameterDevice[i]].upload(values[i])
        }
        return result
    }

    func embeddings(parameterValues: [Matrix]) throws -> [Matrix] {
        let values = try uploaded(parameterValues)
        var unused = SeededGenerator(seed: 0), cache = ForwardCache()
        return try model.encoders.indices.map { m in
            if let z = held[m] { return try devices[placement[m]].download(z) }
            return try devices[placement[m]].download(forward(m, fullPass(m), value: { values[ObjectIdentifier($0)]! },
                                                       training: false, generator: &unused, cache: &cache))
        }
    }

    func scores(relation r: Int, members: [Int32], counts: CountFeatureSource?, embeddings: [Matrix], parameterValues: [Matrix]) throws -> [Float] {
        let home = devices[decoderDevice]
        let modalities = model.relationMembers[r]
        var deviceEmbeddings = [Tensor?](repeating: nil, count: model.encoders.count)
        var biases = [Tensor?](repeating: nil, count: model.encoders.count)
        var values = [ObjectIdentifier: Tensor]()
        for parameter in model.decoders[r].parameters {
            values[ObjectIdentifier(parameter)] = try home.upload(parameterValues[slot(parameter)])
        }
        for m in modalities where deviceEmbeddings[m] == nil {
            deviceEmbeddings[m] = try home.upload(embeddings[m])
            biases[m] = try home.upload(parameterValues[slot(model.encoders[m].itemBias)])
        }
        return try DecoderPass.scores(home, model.decoders[r], members: members, counts: counts, order: modalities.count,
                                      modalities: modalities, embeddings: deviceEmbeddings, biases: biases,
                                      dimensions: model.encoders[modalities[0]].outputDimensions,
                                      chunkSize: configuration.chunkSize, value: { values[ObjectIdentifier($0)]! })
    }
}
