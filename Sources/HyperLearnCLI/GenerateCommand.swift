import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn generate`: a synthetic link dataset with planted, graph-smooth structure, written in
/// the DHNE layout with a manifest that trains on it.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic dataset (DHNE .npz layout, ring graphs, manifest).",
        discussion: """
            Writes train_data.npz and test_data.npz (int64 hyperedges E × order and nums_type, an \
            80/20 split), graphs.npz (int64 graph_M, edges × 2, both directions), graph_M.tsv edge \
            lists and manifest.yaml. Item i of the arrays is ID "i" of the graph files.
            """)

    @Option(help: "Number of modalities.")
    var modalities = 3

    @Option(help: "Items per modality.")
    var items = 200_000

    @Option(help: "Number of hyperedges (train + test).")
    var hyperedges = 1_000_000

    @Option(help: "Members per hyperedge (position j belongs to modality j mod modalities).")
    var order = 3

    @Option(help: "Seed.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Output folder (must not hold a dataset already).", valueName: "dir"))
    var out: String

    func validate() throws {
        guard modalities >= 1 else { throw ValidationError("--modalities must be ≥ 1, got \(modalities)") }
        guard items >= 2 else { throw ValidationError("--items must be ≥ 2, got \(items)") }
        guard items < Int(Int32.max) else { throw ValidationError("--items must be below 2^31") }
        guard order >= 2 else { throw ValidationError("--order must be ≥ 2, got \(order)") }
        guard hyperedges >= 5 else { throw ValidationError("--hyperedges must be ≥ 5 (80/20 split), got \(hyperedges)") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out).standardizedFileURL
        let manifestURL = folder.appendingPathComponent("manifest.yaml")
        if FileManager.default.fileExists(atPath: manifestURL.path) {
            throw CLIError("\(folder.path) already holds a dataset (manifest.yaml); choose another --out")
        }
        var synthetic = SyntheticData(modalities: modalities, items: items, order: order)
        synthetic.popularityExponent = 1.0
        synthetic.seed = seed
        let (factors, graphs) = try synthetic.structure()
        let all = try synthetic.hyperedges(count: hyperedges, factors: factors, preferStructure: true)
        // The draws are independent, so a prefix split is a random split.
        let trainCount = hyperedges * 4 / 5
        let train = try all.subset(Array(0..<trainCount)), test = try all.subset(Array(trainCount..<all.count))
        let numsType = NPYPayload(try NPYArray(shape: [order], int64: [Int64](repeating: Int64(items), count: order)))
        // Streamed (widened to int64 piece by piece): no copy of the hyperedges in memory.
        func hyperedgeArray(_ set: HyperedgeSet) throws -> NPYPayload {
            try NPYPayload(int64: set.members, shape: [set.count, order])
        }

        try OutputFolder.create(folder, what: "the dataset folder")
        try NPZWriter.write([("train_data", try hyperedgeArray(train)), ("nums_type", numsType)],
                            to: folder.appendingPathComponent("train_data.npz"))
        try NPZWriter.write([("test_data", try hyperedgeArray(test)), ("nums_type", numsType)],
                            to: folder.appendingPathComponent("test_data.npz"))
        var graphArrays = [(name: String, payload: NPYPayload)]()
        for (m, graph) in graphs.enumerated() {
            var pairs = [Int32]()
            pairs.reserveCapacity(graph.nonzeroCount * 2)
            var text = ""
            text.reserveCapacity(graph.nonzeroCount * 14)
            for row in 0..<graph.rows {
                for k in graph.rowOffsets[row]..<graph.rowOffsets[row + 1] {
                    let column = graph.columnIndices[k]
                    pairs.append(Int32(row)); pairs.append(Int32(column))
                    text += "\(row)\t\(column)\n"
                }
            }
            graphArrays.append(("graph_\(m)", try NPYPayload(int64: pairs, shape: [pairs.count / 2, 2])))
            try AtomicFile.write(text, to: folder.appendingPathComponent("graph_\(m).tsv"))
        }
        try NPZWriter.write(graphArrays, to: folder.appendingPathComponent("graphs.npz"))
        try AtomicFile.write(manifestText(), to: manifestURL)
        Terminal.write("""
            wrote \(folder.path): \(train.count) train and \(test.count) test hyperedges of order \(order), \
            \(modalities) modalities × \(items) items
            train with: hyperlearn train \(manifestURL.path) --out runs/synthetic

            """)
    }

    func manifestText() -> String {
        var text = "name: synthetic-m\(modalities)-n\(items)-e\(hyperedges)-p\(order)-s\(seed)\n"
        text += "description: hyperlearn generate (SyntheticData, popularity exponent 1, ring graphs)\nmodalities:\n"
        for m in 0..<modalities {
            text += "  m\(m):\n    count: \(items)\n    graph: {file: graph_\(m).tsv, delimiter: \"\\t\", columns: [0, 1]}\n"
        }
        let members = (0..<order).map { "m\($0 % modalities)" }.joined(separator: ", ")
        text += """
            relations:
              link:
                members: [\(members)]
                task: link
                train: {file: train_data.npz, array: train_data}
                test: {file: test_data.npz, array: test_data}

            """
        return text
    }
}
