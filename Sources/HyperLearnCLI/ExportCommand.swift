import ArgumentParser
import Foundation
import HyperLearn

enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
    /// `M.npy` (float32 items × d) and `M.ids.txt`.
    case npy
    /// `M.tsv`: the ID, then the values.
    case tsv
    /// TensorBoard Projector: `M.vectors.tsv` and `M.metadata.tsv`.
    case projector
    /// `MODALITY.svg`: the embeddings' first two principal components (PCA through LAPACKE), a sample labelled.
    case map
}

/// `hyperlearn export DIR --format npy|tsv|projector [--to OUTDIR]`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's embeddings for other tools.")

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "dir"))
    var runPath: String

    @Option(help: "Output format: \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ExportFormat = .tsv

    @Option(help: ArgumentHelp("Output folder (default: DIR/export/FORMAT).", valueName: "outdir"))
    var to: String?

    func run() throws {
        let folder = RunDirectory(runPath)
        let model = try folder.readModel()
        // Read everything first, so a damaged run leaves no half-filled output folder.
        var tables = [(name: String, embeddings: Matrix, ids: [String])]()
        // Labels (titles) live in the model archive; runs written before it have none.
        let archived = FileManager.default.fileExists(atPath: folder.archive.path) ? try folder.readArchiveStructure().modalities : []
        func labels(_ name: String) -> [String]? { archived.first { $0.name == name }?.labels }
        func categories(_ name: String) -> [ItemCategory] { archived.first { $0.name == name }?.categories ?? [] }
        for modality in model.modalities {
            let npyURL = folder.url.appendingPathComponent(modality.embedding)
            let idsURL = folder.url.appendingPathComponent(modality.ids)
            try folder.require(npyURL, what: "embeddings are written when training ends")
            let embeddings = try EmbeddingExport.matrix(from: NPYArray.read(contentsOf: npyURL, fileName: npyURL.path))
            guard let idText = try? String(contentsOf: idsURL, encoding: .utf8) else {
                throw HyperLearnError.invalidInput(file: idsURL.path, line: nil, field: "ids", reason: "cannot read the ID list")
            }
            let ids = idText.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            guard ids.count == embeddings.rows else {
                throw HyperLearnError.invalidInput(file: idsURL.path, line: nil, field: "ids",
                                                   reason: "\(ids.count) IDs for \(embeddings.rows) embedding rows")
            }
            tables.append((modality.name, embeddings, ids))
        }
        let destination = URL(fileURLWithPath: to ?? folder.url.appendingPathComponent("export/\(format.rawValue)").path)
            .standardizedFileURL
        let written = try StagedFolder.write(to: destination) { staging in
            var names = [String]()
            func write(_ text: String, _ name: String) throws {
                try AtomicFile.write(text, to: staging.appendingPathComponent(name))
                names.append(name)
            }
            for (name, embeddings, ids) in tables {
                switch format {
                case .npy:
                    try NPYWriter.write(NPYPayload(float32: embeddings), to: staging.appendingPathComponent("\(name).npy"))
                    names.append("\(name).npy")
                    try write(EmbeddingExport.idList(ids), "\(name).ids.txt")
                case .tsv:
                    try write(EmbeddingExport.tsv(embeddings, ids: ids), "\(name).tsv")
                case .projector:
                    try write(EmbeddingExport.projectorVectors(embeddings), "\(name).vectors.tsv")
                    try write(EmbeddingExport.projectorMetadata(ids: ids, labels: labels(name), categories: categories(name)), "\(name).metadata.tsv")
                case .map:
                    let map = try EmbeddingMap(embeddings)
                    let shown = labels(name).map { zip(ids, $0).map { id, label in label.isEmpty ? id : label } } ?? ids
                    try write(map.svg(labels: shown, title: "\(model.dataset): \(name) embeddings (PCA)",
                                      colouredBy: EmbeddingMap.colouring(categories(name))), "\(name).svg")
                }
            }
            return names
        }
        Terminal.write(written.map { $0.path + "\n" }.joined())
    }
}
