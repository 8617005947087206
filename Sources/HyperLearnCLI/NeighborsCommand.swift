import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn neighbors RUN --modality movie --id 50 --top 10`: the items whose embeddings are most
/// cosine-similar to an item's, from the run's model archive.
struct NeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbors",
        abstract: "List the items most similar to an item (cosine similarity of their embeddings).")

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "dir"))
    var runPath: String

    @Option(help: "The item's modality.")
    var modality: String

    @Option(help: "The item's ID (as in embeddings/MODALITY.ids.txt).")
    var id: String

    @Option(help: "Number of neighbours to print.")
    var top = 10

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be ≥ 1, got \(top)") }
    }

    func run() throws {
        let folder = RunDirectory(runPath)
        let model = try folder.readArchive()
        guard let m = model.dataset.modalities.firstIndex(where: { $0.name == modality }) else {
            throw CLIError("unknown modality '\(modality)'; modalities: \(model.dataset.modalities.map(\.name).joined(separator: ", "))")
        }
        let ids = model.dataset.modalities[m].ids
        let labels = model.dataset.modalities[m].labels.map { _ in ids.indices.map { model.dataset.modalities[m].label($0) } }
        guard let item = ids.firstIndex(of: id) else {
            throw CLIError("no item with ID \(HyperLearnError.quoted(id)) in modality '\(modality)' (IDs are listed in \(folder.ids(modality).path))")
        }
        let neighbors = try NearestNeighbors.of(item, in: model.embeddings[m], count: min(top, max(1, ids.count - 1)))
        if json {
            let rows: [[String: Any]] = neighbors.enumerated().map { rank, neighbor in
                var row: [String: Any] = ["rank": rank + 1, "id": ids[neighbor.item], "similarity": Double(neighbor.similarity)]
                if labels != nil { row["label"] = labels![neighbor.item] }
                return row
            }
            Terminal.write(try JSONOutput.string(["modality": modality, "id": id, "neighbors": rows] as [String: Any]))
        } else {
            var text = "rank\t\(modality)\t" + (labels != nil ? "label\t" : "") + "cosine\n"
            for (rank, neighbor) in neighbors.enumerated() {
                let label: String = labels.map { EmbeddingExport.sanitized($0[neighbor.item]) + "\t" } ?? ""
                text += "\(rank + 1)\t\(ids[neighbor.item])\t\(label)\(String(format: "%.4f", neighbor.similarity))\n"
            }
            Terminal.write(text)
        }
    }
}
