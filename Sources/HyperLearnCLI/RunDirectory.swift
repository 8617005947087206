import Foundation
import HyperLearn

/// The files of one training run:
///
/// ```
/// DIR/config.yaml          resolved settings + manifest + data root (repeatable)
/// DIR/checkpoint.bin       training state after the last finished epoch
/// DIR/history.json         one EpochRecord per epoch
/// DIR/metrics.json         test and validation metrics per relation, run facts
/// DIR/training-curve.svg   loss and validation score per epoch
/// DIR/model.json           modality and relation names, what predict/export need
/// DIR/embeddings/M.npy     float32 items × d, one per modality
/// DIR/embeddings/M.ids.txt the items' external IDs, in row order
/// ```
struct RunDirectory {
    let url: URL

    init(_ path: String) { url = URL(fileURLWithPath: path).standardizedFileURL }

    var config: URL { url.appendingPathComponent("config.yaml") }
    var checkpoint: URL { url.appendingPathComponent("checkpoint.bin") }
    var history: URL { url.appendingPathComponent("history.json") }
    var metrics: URL { url.appendingPathComponent("metrics.json") }
    var curve: URL { url.appendingPathComponent("training-curve.svg") }
    var model: URL { url.appendingPathComponent("model.json") }
    var embeddings: URL { url.appendingPathComponent("embeddings") }
    func embedding(_ modality: String) -> URL { embeddings.appendingPathComponent("\(modality).npy") }
    func ids(_ modality: String) -> URL { embeddings.appendingPathComponent("\(modality).ids.txt") }

    /// Whether the folder already holds a run (a checkpoint or metrics).
    var holdsRun: Bool {
        FileManager.default.fileExists(atPath: checkpoint.path) || FileManager.default.fileExists(atPath: metrics.path)
    }

    /// Checks that `url` is a run folder written by `train` (has `file`).
    func require(_ file: URL, what: String) throws {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw CLIError("\(url.path) is not a finished hyperlearn run: \(file.lastPathComponent) is missing (\(what))")
        }
    }

    func readModel() throws -> RunModel {
        try require(model, what: "written by `hyperlearn train`")
        do {
            return try JSONDecoder().decode(RunModel.self, from: Data(contentsOf: model))
        } catch {
            throw HyperLearnError.invalidInput(file: model.path, line: nil, field: "model", reason: "cannot read: \(error)")
        }
    }

    func readConfiguration() throws -> RunConfiguration {
        try require(config, what: "written by `hyperlearn train`")
        return try ConfigFile.load(config)
    }

    /// Rebuilds the trained model: the dataset from the run's manifest (or `manifest`), the trainer
    /// from its configuration, then the checkpoint with the best epoch's parameters restored.
    func restoreTrainer(manifest override: String? = nil, dataRoot: URL? = nil) throws -> (Trainer, LoadedDataset) {
        var run = try readConfiguration()
        if let override { run.manifest = URL(fileURLWithPath: override).standardizedFileURL.path }
        if let dataRoot { run.dataRoot = dataRoot.path }
        try require(checkpoint, what: "the run never finished an epoch")
        let loaded = try DataSource(run).load().loaded
        let trainer = try Trainer(dataset: loaded.dataset, configuration: run.training)
        try trainer.loadCheckpoint(from: checkpoint)
        trainer.restoreBest()
        return (trainer, loaded)
    }
}

/// What `predict` and `export` need to know about a run's model.
struct RunModel: Codable, Equatable {
    struct ModalityEntry: Codable, Equatable {
        var name: String
        var count: Int
        /// Paths relative to the run folder.
        var embedding: String
        var ids: String
    }

    struct RelationEntry: Codable, Equatable {
        var name: String
        var members: [String]
        var task: String
    }

    var dataset: String
    var dimensions: Int
    var decoder: String
    var modalities: [ModalityEntry]
    var relations: [RelationEntry]

    init(dataset: Dataset, configuration: TrainingConfiguration) {
        self.dataset = dataset.name
        dimensions = configuration.dimensions
        decoder = configuration.decoder.rawValue
        modalities = dataset.modalities.map {
            ModalityEntry(name: $0.name, count: $0.count, embedding: "embeddings/\($0.name).npy", ids: "embeddings/\($0.name).ids.txt")
        }
        relations = dataset.relations.map { relation in
            RelationEntry(name: relation.name, members: relation.members.map { dataset.modalities[$0].name },
                          task: relation.task.rawValue)
        }
    }
}

/// The dataset a run trains on: a manifest (and data root), or the bundled drug dataset.
struct DataSource {
    var manifestPath: String?
    var dataRoot: URL?

    init(_ run: RunConfiguration) {
        manifestPath = run.manifest
        dataRoot = run.dataRoot.map { URL(fileURLWithPath: $0).standardizedFileURL }
    }

    var isEmbedded: Bool { manifestPath == nil || manifestPath!.hasPrefix(RunConfiguration.embeddedPrefix) }

    /// How config.yaml names the source (absolute paths, so the run repeats from anywhere).
    var recordedManifest: String {
        guard let manifestPath, !isEmbedded else { return RunConfiguration.embeddedPrefix + EmbeddedDataset.drugName }
        return URL(fileURLWithPath: manifestPath).standardizedFileURL.path
    }

    func manifest() throws -> Manifest {
        guard let manifestPath else { return try EmbeddedDataset.drugManifest() }
        if manifestPath.hasPrefix(RunConfiguration.embeddedPrefix) {
            let name = manifestPath.dropFirst(RunConfiguration.embeddedPrefix.count)
            guard name == EmbeddedDataset.drugName else {
                throw CLIError("unknown embedded dataset '\(name)'; the only one is '\(EmbeddedDataset.drugName)'")
            }
            return try EmbeddedDataset.drugManifest()
        }
        return try Manifest.load(from: URL(fileURLWithPath: manifestPath).standardizedFileURL)
    }

    func load() throws -> (manifest: Manifest, loaded: LoadedDataset) {
        let manifest = try self.manifest()
        return (manifest, try manifest.loadDataset(dataRoot: isEmbedded ? nil : dataRoot))
    }
}

extension RunDirectory {
    /// Writes `data` atomically, creating the folder first.
    static func write(_ data: Data, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try AtomicFile.write(data, to: url)
    }

    static func write(_ text: String, to url: URL) throws { try write(Data(text.utf8), to: url) }

    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        try write(data, to: url)
    }
}
