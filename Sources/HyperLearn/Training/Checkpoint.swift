import Foundation

/// Everything needed to continue a training run exactly where it stopped: parameters, Adam moments,
/// the random generators' states, the epoch counter, the history and the early-stopping state.
///
/// File layout: the 8 bytes `HLCKPT01`, a little-endian `UInt64` header length, a JSON header, then
/// each parameter's value, first and second moments (and best snapshot, when present) as raw
/// little-endian `Float32`, in ``HyperLearnModel/parameters`` order. Written atomically
/// (temporary file, then rename), so a run killed mid-write leaves the previous checkpoint intact.
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
}

extension Trainer {
    static let checkpointMagic = Data("HLCKPT01".utf8)

    /// Writes the training state to `url` atomically.
    public func saveCheckpoint(to url: URL) throws {
        let parameters = model.parameters
        let header = CheckpointHeader(
            configuration: configuration, epoch: epoch, history: history, bestEpoch: bestEpoch,
            bestScore: bestScore.isFinite ? bestScore : nil, epochsWithoutImprovement: epochsWithoutImprovement,
            optimizerStep: optimizer.step, learningRate: optimizer.learningRate, generator: generator.state,
            dropoutGenerators: dropoutGenerators.map(\.state), parameterNames: parameters.map(\.name),
            parameterShapes: parameters.map { [$0.value.rows, $0.value.columns] },
            hasBestSnapshot: bestSnapshot != nil, hasAverages: parameterAverages != nil, exchangedBytes: exchangedBytes)
        let json = try JSONEncoder().encode(header)
        var data = Trainer.checkpointMagic
        var length = UInt64(json.count).littleEndian
        data.append(Data(bytes: &length, count: 8))
        data.append(json)
        func append(_ m: Matrix) {
            m.storage.withUnsafeBufferPointer { data.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress)?.assumingMemoryBound(to: UInt8.self), count: $0.count * 4)) }
        }
        for (index, parameter) in parameters.enumerated() {
            append(parameter.value)
            append(parameter.firstMoment)
            append(parameter.secondMoment)
            if let bestSnapshot { append(bestSnapshot[index]) }
            if let parameterAverages { append(parameterAverages[index]) }
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw HyperLearnError.io(path: url.path, reason: "cannot write checkpoint: \(error.localizedDescription)")
        }
    }

    /// Restores the training state saved by ``saveCheckpoint(to:)``. The trainer must have been built
    /// from the same dataset and configuration (checked by parameter names and shapes).
    public func loadCheckpoint(from url: URL) throws {
        guard let data = try? Data(contentsOf: url) else {
            throw HyperLearnError.invalidInput(file: url.path, line: nil, field: "checkpoint", reason: "cannot read the file")
        }
        func fail(_ reason: String) -> HyperLearnError {
            .invalidInput(file: url.path, line: nil, field: "checkpoint", reason: reason)
        }
        guard data.count >= 16, data.prefix(8) == Trainer.checkpointMagic else { throw fail("not a HyperLearn checkpoint") }
        let length = data.subdata(in: 8..<16).withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard length >= 0, 16 + length <= data.count,
              let header = CheckpointHeader.decode(data.subdata(in: 16..<(16 + length))) else {
            throw fail("damaged header")
        }
        let parameters = model.parameters
        guard header.parameterNames == parameters.map(\.name),
              header.parameterShapes == parameters.map({ [$0.value.rows, $0.value.columns] }) else {
            throw fail("the checkpoint was made for a different model (dataset or configuration changed)")
        }
        let hasAverages = header.hasAverages ?? false
        let perParameter = 3 + (header.hasBestSnapshot ? 1 : 0) + (hasAverages ? 1 : 0)
        let expected = 16 + length + parameters.reduce(0) { $0 + $1.count * 4 * perParameter }
        guard data.count == expected else { throw fail("truncated: \(data.count) bytes, expected \(expected)") }
        var offset = 16 + length
        func read(_ count: Int) -> [Float] {
            let floats = data.subdata(in: offset..<(offset + count * 4)).withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            offset += count * 4
            return floats
        }
        var snapshot = [Matrix](), averages = [Matrix]()
        for parameter in parameters {
            parameter.value.storage = read(parameter.count)
            parameter.firstMoment.storage = read(parameter.count)
            parameter.secondMoment.storage = read(parameter.count)
            if header.hasBestSnapshot {
                snapshot.append(Matrix(rows: parameter.value.rows, columns: parameter.value.columns, uncheckedStorage: read(parameter.count)))
            }
            if hasAverages {
                averages.append(Matrix(rows: parameter.value.rows, columns: parameter.value.columns, uncheckedStorage: read(parameter.count)))
            }
        }
        parameterAverages = hasAverages ? averages : nil
        bestSnapshot = header.hasBestSnapshot ? snapshot : nil
        epoch = header.epoch
        history = header.history
        bestEpoch = header.bestEpoch
        bestScore = header.bestScore ?? .infinity
        epochsWithoutImprovement = header.epochsWithoutImprovement
        optimizer.restore(step: header.optimizerStep)
        optimizer.learningRate = header.learningRate
        generator = SeededGenerator(state: header.generator)
        dropoutGenerators = header.dropoutGenerators.map { SeededGenerator(state: $0) }
        exchangedBytes = header.exchangedBytes
    }
}

extension CheckpointHeader {
    /// Decodes a header; settings added to ``TrainingConfiguration`` after the checkpoint was written
    /// (such as `shards`) take their defaults, so older checkpoints still resume.
    static func decode(_ data: Data) -> CheckpointHeader? {
        if let header = try? JSONDecoder().decode(CheckpointHeader.self, from: data) { return header }
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let saved = object["configuration"] as? [String: Any],
              let defaultsData = try? JSONEncoder().encode(TrainingConfiguration()),
              let defaults = (try? JSONSerialization.jsonObject(with: defaultsData)) as? [String: Any] else { return nil }
        object["configuration"] = defaults.merging(saved) { _, savedValue in savedValue }
        guard let merged = try? JSONSerialization.data(withJSONObject: object) else { return nil }
        return try? JSONDecoder().decode(CheckpointHeader.self, from: merged)
    }
}
