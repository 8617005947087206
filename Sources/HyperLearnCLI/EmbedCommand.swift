import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn embed RUN --modality M --items FILE [--graph EDGES] [--to DIR]`: embeddings for items
/// that were not in training, through the trained encoder, without retraining.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed items that were not in training, from their features and links to trained items.",
        discussion: """
            FILE holds the new items in the layout of the modality's `features` file (the same \
            columns and reader options; a modality without features takes one ID per line). Each new \
            item links to trained items: its --k nearest by feature cosine similarity, or the edges \
            of --graph (NEW_ID, TRAINED_ID and an optional weight per line; `.csv` is comma-separated, \
            anything else tab-separated). The trained encoder then computes its embedding, reading \
            from its neighbours without changing theirs; the table row and score bias it lacks are \
            zero (--table-row, --bias: or the neighbours' mean, or all items' mean). \
            Writes M.npy, M.ids.txt and M.bias.npy into --to (default RUN/export/embedded); \
            `predict RUN --items DIR` then scores and ranks the new items with the trained ones.
            """)

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "run"))
    var runPath: String

    @Option(help: "The modality of the new items.")
    var modality: String

    @Option(help: ArgumentHelp("The new items, laid out like the modality's features file.", valueName: "file"))
    var items: String

    @Option(help: ArgumentHelp("Edges from new items to trained items (NEW_ID, TRAINED_ID[, WEIGHT]); default: feature kNN.", valueName: "edges"))
    var graph: String?

    @Option(help: "Neighbours per new item in the feature kNN (default: the modality's kNN graph's k, else 10).")
    var k: Int?

    @Option(help: ArgumentHelp("Output folder (default: RUN/export/embedded).", valueName: "dir"))
    var to: String?

    @Option(name: .customLong("table-row"), help: "A new item's table row: \(ColdStartStandIn.allCases.map(\.rawValue).joined(separator: ", ")).")
    var tableRow: ColdStartStandIn = .zero

    @Option(help: "A new item's score bias: \(ColdStartStandIn.allCases.map(\.rawValue).joined(separator: ", ")).")
    var bias: ColdStartStandIn = .zero

    func validate() throws {
        if let k, k < 1 || k > 10_000 { throw ValidationError("--k must be in 1...10000, got \(k)") }
    }

    func run() throws {
        let folder = RunDirectory(runPath)
        let archive = try folder.readArchive()
        let run = try folder.readConfiguration()
        let source = DataSource(run)
        let (manifest, loaded) = try source.load()
        guard let m = loaded.dataset.modalities.firstIndex(where: { $0.name == modality }) else {
            throw CLIError("modality '\(modality)' is not in the run (modalities: \(loaded.dataset.modalities.map(\.name).joined(separator: ", ")))")
        }
        let trainer = try Trainer(dataset: loaded.dataset, configuration: run.training)
        try trainer.initialize(from: archive)
        let trained = loaded.dataset.modalities[m]
        let itemsURL = URL(fileURLWithPath: items).standardizedFileURL
        try InputFile.requireRegularFile(itemsURL, file: itemsURL.path, line: nil, field: "items")
        let loader = ManifestLoader(manifest: manifest, dataRoot: source.isEmbedded ? nil : source.dataRoot)
        let (ids, features) = try loader.loadNewItems(modality: modality, file: itemsURL, trainedIDs: trained.ids)
        let links: [ItemLinks]
        if let graph {
            links = try Self.readLinks(URL(fileURLWithPath: graph).standardizedFileURL, newIDs: ids, trainedIDs: trained.ids)
        } else {
            guard let trainedFeatures = trained.features, let features else {
                throw CLIError("modality '\(modality)' has no features to find neighbours by; give --graph EDGES")
            }
            var neighbours = 10
            if case let .nearestNeighbors(graphK)? = trained.graph { neighbours = graphK }
            links = try NearestNeighbors.links(from: features, to: trainedFeatures, count: k ?? neighbours)
        }
        let embedded = try trainer.embedNewItems(modality: m, features: features, links: links, tableRow: tableRow, bias: bias)
        let destination = URL(fileURLWithPath: to ?? folder.exports.appendingPathComponent("embedded").path).standardizedFileURL
        let written = try StagedFolder.write(to: destination) { staging in
            try NPYWriter.write(NPYPayload(float32: embedded.embeddings), to: staging.appendingPathComponent("\(modality).npy"))
            try AtomicFile.write(EmbeddingExport.idList(ids), to: staging.appendingPathComponent("\(modality).ids.txt"))
            try NPYWriter.write(NPYPayload(float32: embedded.biases, shape: [ids.count, 1]), to: staging.appendingPathComponent("\(modality).bias.npy"))
            return ["\(modality).npy", "\(modality).ids.txt", "\(modality).bias.npy"]
        }
        let linked = links.filter { !$0.isEmpty }.count
        Terminal.write("embedded \(ids.count) new item(s) of '\(modality)' (\(linked) with links to trained items)\n"
                       + written.map { $0.path + "\n" }.joined())
    }

    /// Edges NEW_ID, TRAINED_ID[, WEIGHT] as each new item's links; every ID must be known.
    static func readLinks(_ url: URL, newIDs: [String], trainedIDs: [String]) throws -> [ItemLinks] {
        try InputFile.requireRegularFile(url, file: url.path, line: nil, field: "graph")
        let newIndex = Dictionary(newIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let trainedIndex = Dictionary(trainedIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var links = [ItemLinks](repeating: [], count: newIDs.count)
        let delimiter = url.path.lowercased().hasSuffix(".csv") ? "," : "\t"
        try DelimitedTextReader(contentsOf: url, fileName: url.path, delimiter: delimiter).forEachRow { row in
            let source = try row.identifier(at: 0, name: "new item")
            guard let u = newIndex[source] else {
                throw row.fieldError(0, name: "new item", reason: "\(HyperLearnError.quoted(source)) is not among the new items of --items")
            }
            let target = try row.identifier(at: 1, name: "trained item")
            guard let j = trainedIndex[target] else {
                throw row.fieldError(1, name: "trained item", reason: "\(HyperLearnError.quoted(target)) is not a trained item of the modality")
            }
            let weight = row.count > 2 ? try row.float(at: 2, name: "weight") : 1
            guard weight.isFinite, weight > 0 else { throw row.fieldError(2, name: "weight", reason: "\(weight) is not a positive finite weight") }
            links[u].append((j, weight))
        }
        return links
    }

    /// `model` with the items that `embed` wrote into `folder` (every `M.npy` with its `M.ids.txt` and
    /// `M.bias.npy`) appended to their modalities.
    static func addingEmbedded(from folder: URL, to model: TrainedModel) throws -> TrainedModel {
        var result = model
        var found = false
        for (m, modality) in model.structure.modalities.enumerated() {
            let npy = folder.appendingPathComponent("\(modality.name).npy")
            guard FileManager.default.fileExists(atPath: npy.path) else { continue }
            found = true
            let idsURL = folder.appendingPathComponent("\(modality.name).ids.txt"), biasURL = folder.appendingPathComponent("\(modality.name).bias.npy")
            for file in [npy, idsURL, biasURL] { try InputFile.requireRegularFile(file, file: file.path, line: nil, field: "items") }
            let embeddings = try EmbeddingExport.matrix(from: NPYArray.read(contentsOf: npy, fileName: npy.path))
            let biases = try NPYArray.read(contentsOf: biasURL, fileName: biasURL.path).floatValues()
            guard let text = try? String(contentsOf: idsURL, encoding: .utf8) else {
                throw HyperLearnError.invalidInput(file: idsURL.path, line: nil, field: "ids", reason: "cannot read the ID list")
            }
            let ids = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            do {
                result = try result.addingItems(modality: m, ids: ids, ColdStartEmbeddings(embeddings: embeddings, biases: biases, tableRows: nil))
            } catch let HyperLearnError.invalidArgument(reason) {
                throw HyperLearnError.invalidInput(file: npy.path, line: nil, field: modality.name, reason: reason)
            }
        }
        guard found else {
            throw CLIError("\(folder.path) holds no embedded items (M.npy of a modality of the model, written by `hyperlearn embed`)")
        }
        return result
    }
}

extension ColdStartStandIn: ExpressibleByArgument {}
