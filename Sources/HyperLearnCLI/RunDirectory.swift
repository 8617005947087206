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
/// DIR/model.json           modality and relation names, what export needs
/// DIR/model/               the model archive (TrainedModel): weights, item IDs, structure, embeddings,
///                          splits; what predict, evaluate and ensemble load, without the data
/// DIR/embeddings/M.npy     float32 items × d, one per modality
/// DIR/embeddings/M.ids.txt the items' external IDs, in row order
/// DIR/.lock                the PID of the `train` that holds the folder (see ``RunLock``)
/// ```
///
/// Hidden `.NAME.UUID.tmp` files and `.embeddings.tmp-PID` folders are writes in progress; the next
/// `train` on the folder removes any that a killed run left.
struct RunDirectory {
    let url: URL

    init(_ path: String) { url = URL(fileURLWithPath: path).standardizedFileURL }

    var config: URL { url.appendingPathComponent("config.yaml") }
    var checkpoint: URL { url.appendingPathComponent("checkpoint.bin") }
    var history: URL { url.appendingPathComponent("history.json") }
    var metrics: URL { url.appendingPathComponent("metrics.json") }
    var curve: URL { url.appendingPathComponent("training-curve.svg") }
    var model: URL { url.appendingPathComponent("model.json") }
    var archive: URL { url.appendingPathComponent("model") }
    var embeddings: URL { url.appendingPathComponent("embeddings") }
    func embedding(_ modality: String) -> URL { EmbeddingFolder(url: embeddings).embedding(modality) }
    func ids(_ modality: String) -> URL { EmbeddingFolder(url: embeddings).ids(modality) }
    var exports: URL { url.appendingPathComponent("export") }

    /// Whether the folder already holds a run (a checkpoint or metrics).
    var holdsRun: Bool {
        FileManager.default.fileExists(atPath: checkpoint.path) || FileManager.default.fileExists(atPath: metrics.path)
    }

    var holdsRunError: CLIError {
        CLIError("\(url.path) already holds a run (checkpoint.bin or metrics.json); pass --resume to continue it, --force to replace it, or choose another --out")
    }

    /// Removes what `train` and `export` write (for `--force`, and after a new run failed).
    func removeRunFiles() throws {
        for file in [metrics, checkpoint, config, history, curve, model, archive, embeddings, exports]
        where FileManager.default.fileExists(atPath: file.path) {
            do { try FileManager.default.removeItem(at: file) } catch {
                throw CLIError("cannot remove \(file.path) to replace the run: \(error.localizedDescription)")
            }
        }
    }

    /// Removes writes in progress that a killed run left (call with the folder locked).
    func removeTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let stagingPrefixes = [".embeddings.tmp-", ".model.tmp-", ".model.old-"]
        for name in names where name.hasPrefix(".") && (name.hasSuffix(".tmp") || stagingPrefixes.contains(where: name.hasPrefix)) {
            try? FileManager.default.removeItem(at: url.appendingPathComponent(name))
        }
    }

    /// Writes the embeddings into a hidden folder with `body`, then renames it over `embeddings/`, so
    /// the folder holds every modality's files or none.
    func replaceEmbeddings(_ body: (EmbeddingFolder) throws -> Void) throws {
        let staging = url.appendingPathComponent(".embeddings.tmp-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: staging)
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            try body(EmbeddingFolder(url: staging))
            if FileManager.default.fileExists(atPath: embeddings.path) { try FileManager.default.removeItem(at: embeddings) }
            try FileManager.default.moveItem(at: staging, to: embeddings)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
    }

    /// Checks that `url` is a run folder written by `train` (has `file`).
    func require(_ file: URL, what: String) throws {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw CLIError("\(url.path) is not a finished hyperlearn run: \(file.lastPathComponent) is missing (\(what))")
        }
    }

    func readModel() throws -> RunModel {
        try require(model, what: "written by `hyperlearn train`")
        let data = try InputFile.read(model, file: model.path, field: "model")
        let decoded: RunModel
        do {
            decoded = try JSONDecoder().decode(RunModel.self, from: data)
        } catch {
            throw HyperLearnError.invalidInput(file: model.path, line: nil, field: "model", reason: "cannot read: \(error)")
        }
        // Names become file names in `export`: a damaged or hand-edited model.json must not lead outside.
        for (i, modality) in decoded.modalities.enumerated() {
            let field = "modalities[\(i)]"
            if let problem = InputLimits.problem(withName: modality.name) {
                throw HyperLearnError.invalidInput(file: model.path, line: nil, field: "\(field).name", reason: problem)
            }
            guard modality.embedding == "embeddings/\(modality.name).npy", modality.ids == "embeddings/\(modality.name).ids.txt" else {
                throw HyperLearnError.invalidInput(file: model.path, line: nil, field: field,
                                                   reason: "embedding and ids must be embeddings/\(modality.name).npy and embeddings/\(modality.name).ids.txt")
            }
        }
        return decoded
    }

    func readConfiguration() throws -> RunConfiguration {
        try require(config, what: "written by `hyperlearn train`")
        return try ConfigFile.load(config)
    }

    /// The trained model from the run's archive (no data is read, no graph is built).
    func readArchive() throws -> TrainedModel {
        try requireArchive()
        return try TrainedModel.read(from: archive)
    }

    /// The model archive's structure alone (no arrays read).
    func readArchiveStructure() throws -> TrainedModel.Structure {
        try requireArchive()
        return try TrainedModel.readStructure(from: archive)
    }

    private func requireArchive() throws {
        try require(archive, what: "the model archive is written when training ends; runs trained before it existed need training again")
        // Only regular files are read: a FIFO in the archive would block the read.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: archive.path)) ?? [] {
            let file = archive.appendingPathComponent(name)
            try InputFile.requireRegularFile(file, file: file.path, line: nil, field: "model")
        }
    }
}

/// A folder of `M.npy` and `M.ids.txt` files: a run's `embeddings/`, or the hidden one it is staged in.
struct EmbeddingFolder {
    let url: URL
    func embedding(_ modality: String) -> URL { url.appendingPathComponent("\(modality).npy") }
    func ids(_ modality: String) -> URL { url.appendingPathComponent("\(modality).ids.txt") }
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
