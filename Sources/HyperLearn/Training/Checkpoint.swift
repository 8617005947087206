import Foundation

/// Everything needed to continue a training run exactly where it stopped: parameters, Adam moments,
/// the random generators' states, the epoch counter, the history and the early-stopping state.
///
/// File layout (version 2): the 8 bytes `HLCKPT02`; three little-endian fields, the header length
/// (`UInt64`), the payload length (`UInt64`) and the CRC-32 of header and payload together
/// (`UInt32`); the JSON header; then the payload: each parameter's value, first and second moments
/// (and best snapshot and average, when present) as raw little-endian `Float32`, in
/// ``HyperLearnModel/parameters`` order. Written atomically (temporary file, then rename), so a run
/// killed mid-write leaves the previous checkpoint intact. Version 1 files (`HLCKPT01`: no payload
/// length, no checksum) still load.
public struct CheckpointHeader: Codable, Sendable {
    public var configuration: TrainingConfiguration
    public var epoch: Int
    public var history: [EpochRecord]
    public var bestEpoch: Int
    public var bestScore: Double?
    public var epochsWithoutImprovement: Int
    public var optimizerStep: Int
    public var learningRate: Float
    public var generator: [UInt64]
    public var dropoutGenerators: [[UInt64]]
    public var parameterNames: [String]
    public var parameterShapes: [[Int]]
    public var hasBestSnapshot: Bool
    public var hasAverages: Bool? = nil
    public var exchangedBytes: Int
    /// Gathered rows and biases exchanged so far (absent from checkpoints written before it was kept).
    public var exchangeVolume: ExchangeVolume? = nil
    /// The modalities a frozen extension holds (absent: none).
    public var frozenModalities: [String]? = nil
}

extension Trainer {
    static let checkpointMagicPrefix = Data("HLCKPT".utf8)
    static let checkpointVersion = 2
    /// A header larger than this is damage, not history (a 10 000-epoch history is about 3 MB).
    static let checkpointHeaderLimit = 64 << 20

    /// Writes the training state to `url` atomically.
    public func saveCheckpoint(to url: URL) throws {
        let parameters = model.parameters
        let header = CheckpointHeader(
            configuration: configuration, epoch: epoch, history: history, bestEpoch: bestEpoch,
            bestScore: bestScore.isFinite ? bestScore : nil, epochsWithoutImprovement: epochsWithoutImprovement,
            optimizerStep: optimizer.step, learningRate: optimizer.learningRate, generator: generator.state,
            dropoutGenerators: dropoutGenerators.map(\.state), parameterNames: parameters.map(\.name),
            parameterShapes: parameters.map { [$0.rows, $0.columns] },
            hasBestSnapshot: bestSnapshot != nil || bestSnapshotInFile, hasAverages: parameterAverages != nil, exchangedBytes: exchangedBytes,
            exchangeVolume: exchangeVolume, frozenModalities: frozenModalityNames.isEmpty ? nil : frozenModalityNames)
        let json = try JSONEncoder().encode(header)
        // The matrices go to the file one by one, from their own storage: a copy of the whole state in
        // memory would double the peak of a large model at every epoch's end.
        var matrices = [Matrix]()
        let best = try bestParameters()
        for (index, parameter) in parameters.enumerated() {
            let state = optimizer.moments(of: parameter)
            matrices += [parameter.value, state.first, state.second]
            if let best { matrices.append(best[index]) }
            if let parameterAverages { matrices.append(parameterAverages[index]) }
        }
        var crc = json.withUnsafeBytes { CRC32.update(0, $0) }
        var payloadCount = 0
        for matrix in matrices {
            crc = matrix.storage.withUnsafeBytes { CRC32.update(crc, $0) }
            payloadCount += matrix.storage.count * MemoryLayout<Float>.size
        }
        var head = Trainer.checkpointMagicPrefix + Data(String(format: "%02d", Trainer.checkpointVersion).utf8)
        func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { head.append(contentsOf: $0) }
        }
        appendLittleEndian(UInt64(json.count))
        appendLittleEndian(UInt64(payloadCount))
        appendLittleEndian(crc)
        head.append(json)
        try AtomicFile.write(to: url) { file in
            try file.write(head)
            for matrix in matrices { try matrix.storage.withUnsafeBytes { try file.write($0) } }
        }
    }

    /// Restores the training state saved by ``saveCheckpoint(to:)``. The trainer must have been built
    /// from the same dataset and configuration (checked by parameter names and shapes).
    ///
    /// Nothing is changed unless the whole file checks out: its version, every length against the
    /// file's size, the checksum, the counters, the generators' states and every value finite.
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` naming the file and the field.
    public func loadCheckpoint(from url: URL) throws {
        func fail(_ field: String, _ reason: String) -> HyperLearnError {
            .invalidInput(file: url.path, line: nil, field: field == "checkpoint" ? field : "checkpoint.\(field)", reason: reason)
        }
        // Mapped, not read: the file holds the whole training state, and only its parts are copied out.
        guard let data = try? InputFile.contents(of: url, options: .alwaysMapped) else { throw fail("checkpoint", "cannot read the file") }
        let (header, payloadStart) = try Trainer.checkpointHeader(data, fail: fail)
        let parameters = model.parameters
        guard header.parameterNames == parameters.map(\.name),
              header.parameterShapes == parameters.map({ [$0.rows, $0.columns] }) else {
            let differences = Trainer.differences(from: zip(header.parameterNames, header.parameterShapes).map { ($0, $1) },
                                                  to: parameters.map { ($0.name, [$0.rows, $0.columns]) },
                                                  dimensions: (header.configuration.dimensions, configuration.dimensions))
            throw fail("parameterShapes", "the checkpoint was made for a different model: \(differences). To grow a trained model by modalities, relations or items, use `hyperlearn extend`")
        }
        guard (header.frozenModalities ?? []) == frozenModalityNames else {
            throw fail("frozenModalities", "the checkpoint holds modalities [\((header.frozenModalities ?? []).joined(separator: ", "))] frozen, this trainer [\(frozenModalityNames.joined(separator: ", "))]; a frozen extension continues with `hyperlearn extend --freeze`")
        }
        let hasAverages = header.hasAverages ?? false
        let perParameter = 3 + (header.hasBestSnapshot ? 1 : 0) + (hasAverages ? 1 : 0)
        let floats = parameters.reduce(0) { $0 + $1.count } * perParameter
        guard data.count - payloadStart == floats * 4 else {
            throw fail("payload", "\(data.count - payloadStart) bytes of parameters, expected \(floats * 4) (truncated or padded)")
        }
        try validate(header, fail: fail)

        var offset = payloadStart
        func read(_ parameter: Parameter, _ part: String, nonNegative: Bool = false) throws -> Matrix {
            let count = parameter.count
            let values = data.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + $0 * 4, as: UInt32.self))) }
            }
            offset += count * 4
            if let bad = values.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) {
                throw fail("\(parameter.name).\(part)", "element \(bad) is \(values[bad]); a checkpoint holds finite values only")
            }
            return Matrix(rows: parameter.rows, columns: parameter.columns, uncheckedStorage: values)
        }
        var restored = [(value: Matrix, first: Matrix, second: Matrix)]()
        var snapshot = [Matrix](), averages = [Matrix]()
        for parameter in parameters {
            restored.append((try read(parameter, "value"), try read(parameter, "firstMoment"),
                             try read(parameter, "secondMoment", nonNegative: true)))
            if header.hasBestSnapshot { snapshot.append(try read(parameter, "bestSnapshot")) }
            if hasAverages { averages.append(try read(parameter, "average")) }
        }

        // The step counter and the generators, checked above, are built before anything changes.
        var restoredOptimizer = optimizer
        try restoredOptimizer.restore(step: header.optimizerStep)
        restoredOptimizer.learningRate = header.learningRate
        let restoredGenerator = try SeededGenerator(state: header.generator)
        let restoredDropoutGenerators = try header.dropoutGenerators.map { try SeededGenerator(state: $0) }

        // Everything checked: only now does the trainer change (the best epoch's parameters first: kept
        // in a file, they are the one part that can still fail, and atomically).
        if header.hasBestSnapshot {
            try keepBest(snapshot)
        } else {
            bestSnapshot = nil
            bestSnapshotInFile = false
        }
        optimizer = restoredOptimizer
        for (parameter, state) in zip(parameters, restored) {
            parameter.value = state.value
            optimizer.moments[parameter.name] = Adam.Moments(first: state.first, second: state.second)
        }
        parameterAverages = hasAverages ? averages : nil
        epoch = header.epoch
        history = header.history
        bestEpoch = header.bestEpoch
        bestScore = header.bestScore ?? .infinity
        epochsWithoutImprovement = header.epochsWithoutImprovement
        generator = restoredGenerator
        dropoutGenerators = restoredDropoutGenerators
        exchangedBytes = header.exchangedBytes
        exchangeVolume = header.exchangeVolume ?? ExchangeVolume(rowBytes: header.exchangedBytes)
    }

    /// Names of the modalities this trainer holds frozen, in index order.
    var frozenModalityNames: [String] { frozen.embeddings.keys.sorted().map { dataset.modalities[$0].name } }

    /// What differs between two models' parameter lists, in words: a modality or relation added or
    /// removed (by the prefix of its parameters' names), a count changed, another dimension.
    static func differences(from old: [(String, [Int])], to new: [(String, [Int])], dimensions: (old: Int, new: Int)) -> String {
        var found = [String]()
        if dimensions.old != dimensions.new { found.append("dimension \(dimensions.old) → \(dimensions.new)") }
        func owner(_ name: String) -> String { String(name.prefix { $0 != "." }) }
        let oldOwners = Set(old.map { owner($0.0) }), newOwners = Set(new.map { owner($0.0) })
        for added in newOwners.subtracting(oldOwners).sorted() { found.append("'\(added)' added") }
        for removed in oldOwners.subtracting(newOwners).sorted() { found.append("'\(removed)' removed") }
        let oldShapes = Dictionary(old.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        for (name, shape) in new {
            guard let before = oldShapes[name], before != shape else { continue }
            if name.hasSuffix(".item_bias") {
                // A damaged header may give any shape, even an empty one: describe it, never index it.
                let items = { (shape: [Int]) in shape.first.map(String.init) ?? "no" }
                found.append("'\(owner(name))' has \(items(shape)) items, the checkpoint \(items(before))")
            } else if !name.hasSuffix(".table") {
                found.append("\(name) is \(shape.map(String.init).joined(separator: "×")), the checkpoint's \(before.map(String.init).joined(separator: "×"))")
            }
        }
        if found.isEmpty { found.append("parameters in another order or under other names") }
        return found.prefix(8).joined(separator: "; ") + (found.count > 8 ? "; …" : "")
    }

    /// The counters and generator states of `header`, against this trainer.
    private func validate(_ header: CheckpointHeader, fail: (String, String) -> HyperLearnError) throws {
        guard header.epoch >= 0, header.history.count == header.epoch else {
            throw fail("epoch", "epoch \(header.epoch) with \(header.history.count) history record(s); they must agree")
        }
        guard (0...header.epoch).contains(header.bestEpoch) else {
            throw fail("bestEpoch", "\(header.bestEpoch) is outside 0...\(header.epoch)")
        }
        guard (0...header.epoch).contains(header.epochsWithoutImprovement) else {
            throw fail("epochsWithoutImprovement", "\(header.epochsWithoutImprovement) is outside 0...\(header.epoch)")
        }
        // At most one epoch in progress (a library user may checkpoint between steps).
        let (maximumSteps, overflow) = (header.epoch + 1).multipliedReportingOverflow(by: stepsPerEpoch)
        guard header.optimizerStep >= 0, overflow || header.optimizerStep <= maximumSteps,
              header.optimizerStep <= Adam.maximumStep else {
            throw fail("optimizerStep", "\(header.optimizerStep) steps cannot follow \(header.epoch) epoch(s) of \(stepsPerEpoch) step(s)")
        }
        guard header.learningRate.isFinite, header.learningRate > 0 else {
            throw fail("learningRate", "\(header.learningRate) is not a positive finite number")
        }
        if let score = header.bestScore, !score.isFinite { throw fail("bestScore", "\(score) is not finite") }
        guard SeededGenerator.isValidState(header.generator) else {
            throw fail("generator", "a generator state is 4 words, not all zero; found \(header.generator)")
        }
        guard header.dropoutGenerators.count == dropoutGenerators.count else {
            throw fail("dropoutGenerators", "\(header.dropoutGenerators.count) state(s) for \(dropoutGenerators.count) encoder(s)")
        }
        if let bad = header.dropoutGenerators.firstIndex(where: { !SeededGenerator.isValidState($0) }) {
            throw fail("dropoutGenerators[\(bad)]", "a generator state is 4 words, not all zero; found \(header.dropoutGenerators[bad])")
        }
        let volume = header.exchangeVolume ?? ExchangeVolume()
        guard header.exchangedBytes >= 0, volume.rowBytes >= 0, volume.biasBytes >= 0 else {
            throw fail("exchangeVolume", "exchanged byte counts must be ≥ 0")
        }
    }

    /// Checks the framing (magic, version, lengths against the file's size, checksum) and decodes the
    /// header; returns it with the offset where the parameters start.
    static func checkpointHeader(_ data: Data, fail: (String, String) -> HyperLearnError) throws
        -> (header: CheckpointHeader, payloadStart: Int) {
        guard data.count >= 16, data.prefix(6) == checkpointMagicPrefix else {
            throw fail("checkpoint", "not a HyperLearn checkpoint (no HLCKPT magic)")
        }
        guard let version = Int(String(decoding: data[6..<8], as: UTF8.self)), (1...checkpointVersion).contains(version) else {
            throw fail("version", "unknown checkpoint version '\(String(decoding: data[6..<8], as: UTF8.self))'; this build reads 01 to \(String(format: "%02d", checkpointVersion))")
        }
        func word<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        let fixed = version == 1 ? 16 : 28
        guard data.count >= fixed else { throw fail("checkpoint", "truncated: \(data.count) bytes, shorter than the fixed header") }
        let headerLength = word(8, UInt64.self)
        guard headerLength <= UInt64(min(data.count - fixed, checkpointHeaderLimit)) else {
            throw fail("headerLength", "\(headerLength) bytes, but the file has \(data.count - fixed) after the fixed header (truncated or damaged)")
        }
        let headerEnd = fixed + Int(headerLength)
        if version >= 2 {
            let payloadLength = word(16, UInt64.self)
            guard payloadLength == UInt64(data.count - headerEnd) else {
                throw fail("payloadLength", "\(payloadLength) bytes recorded, \(data.count - headerEnd) present (truncated or padded)")
            }
            let recorded = word(24, UInt32.self)
            let actual = data.withUnsafeBytes { CRC32.update(0, UnsafeRawBufferPointer(rebasing: $0[fixed...])) }
            guard recorded == actual else {
                throw fail("crc32", String(format: "checksum %08x recorded, %08x computed: the file is damaged", recorded, actual))
            }
        }
        guard let header = CheckpointHeader.decode(data.subdata(in: fixed..<headerEnd)) else {
            throw fail("header", "damaged header (not the JSON this build writes)")
        }
        return (header, headerEnd)
    }
}

extension CheckpointHeader {
    /// Decodes a header; settings added to ``TrainingConfiguration`` after the checkpoint was written
    /// (such as `shards`) take their defaults, or the defaults of the version that wrote it where those
    /// have changed since, so older checkpoints still resume.
    static func decode(_ data: Data) -> CheckpointHeader? {
        guard var header = try? JSONDecoder().decode(CheckpointHeader.self, from: data) else { return nil }
        header.configuration.takeEarlierDefaults(storedIn: data)
        return header
    }
}
