import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn info MANIFEST`: what a manifest's data holds, and what looks wrong.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Describe a dataset: counts, density, graph degrees and warnings.")

    @Argument(help: ArgumentHelp("Dataset manifest; default: the bundled drug dataset.", valueName: "manifest"))
    var manifest: String?

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        var run = RunConfiguration()
        run.manifest = manifest.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        run.dataRoot = data.dataRootURL?.path
        let loaded = try DataSource(run).load().loaded
        let dataset = loaded.dataset
        let sizes = dataset.modalities.map(\.count)
        var warnings = [String]()
        var modalities = [[String: Any]]()
        for (m, modality) in dataset.modalities.enumerated() {
            var entry: [String: Any] = ["name": modality.name, "count": modality.count]
            if let features = modality.features { entry["feature_dimensions"] = features.columns }
            if let d = loaded.diagnostics[modality.name] {
                entry["from_features"] = d.fromFeatures
                entry["only_in_test"] = d.onlyInTest
                entry["only_in_graph_files"] = d.onlyInStructure
                if d.onlyInTest > 0 {
                    warnings.append("\(modality.name): \(d.onlyInTest) item(s) appear only in test hyperedges (cold start: \(InfoCommand.coldStart(modality)))")
                }
                if d.onlyInStructure > 0 {
                    warnings.append("\(modality.name): \(d.onlyInStructure) item(s) appear only in graph/hypergraph files (no hyperedge, no features)")
                }
            }
            if let graph = try InfoCommand.graph(of: m, in: dataset, sizes: sizes) {
                let degrees = graph.rowDegrees
                let isolated = degrees.filter { $0 == 0 }.count
                entry["graph"] = ["edges": graph.nonzeroCount / 2, "degree_min": degrees.min() ?? 0,
                                  "degree_mean": Double(degrees.reduce(0, +)) / Double(max(1, degrees.count)),
                                  "degree_max": degrees.max() ?? 0, "isolated": isolated] as [String: Any]
                if isolated > 0 { warnings.append("\(modality.name): \(isolated) item(s) have no graph neighbour") }
            }
            modalities.append(entry)
        }
        var relations = [[String: Any]]()
        warnings += Self.untestedRelationWarnings(dataset)
        for relation in dataset.relations {
            let cells = relation.members.reduce(1.0) { $0 * Double(sizes[$1]) }
            relations.append([
                "name": relation.name, "task": relation.task.rawValue,
                "members": relation.members.map { dataset.modalities[$0].name },
                "train": relation.train.count, "test": relation.test?.count ?? 0,
                "density": Double(relation.train.count + (relation.test?.count ?? 0)) / cells,
            ])
        }
        let result: [String: Any] = ["dataset": dataset.name, "modalities": modalities, "relations": relations,
                                     "warnings": warnings, "files": loaded.files.map(\.path)]
        if json {
            Terminal.write(try JSONOutput.string(result, pretty: true))
            return
        }
        var text = "dataset \(dataset.name)\n\nmodalities\n"
        for entry in modalities {
            text += "  \(entry["name"]!): \(entry["count"]!) items"
            if let dimensions = entry["feature_dimensions"] { text += "; features \(dimensions)" }
            if let graph = entry["graph"] as? [String: Any] {
                text += "; graph \(graph["edges"]!) edges, degree min \(graph["degree_min"]!) / mean \(String(format: "%.2f", graph["degree_mean"] as! Double)) / max \(graph["degree_max"]!)"
            }
            text += "\n"
        }
        text += "\nrelations\n"
        for entry in relations {
            text += "  \(entry["name"]!) [\((entry["members"] as! [String]).joined(separator: ", "))], \(entry["task"]!): \(entry["train"]!) train, \(entry["test"]!) test, density \(String(format: "%.3g", entry["density"] as! Double))\n"
        }
        text += warnings.isEmpty ? "\nno warnings\n" : "\nwarnings\n" + warnings.map { "  - \($0)\n" }.joined()
        Terminal.write(text)
    }

    /// Where a cold-start item's embedding comes from, true for this modality: its features and its
    /// neighbours, or nothing but its untrained table row when it has neither.
    static func coldStart(_ modality: Modality) -> String {
        var sources = [String]()
        if modality.features != nil { sources.append("its features") }
        if modality.graph != nil { sources.append("its graph neighbours") }
        if modality.hypergraph != nil { sources.append("its hypergraph neighbours") }
        return sources.isEmpty
            ? "the modality has no features, graph or hypergraph, so their embeddings are untrained table rows"
            : "their embeddings come from \(sources.joined(separator: " and ")) alone"
    }

    /// One warning per relation without test hyperedges: its run reports no test metric for it.
    static func untestedRelationWarnings(_ dataset: Dataset) -> [String] {
        dataset.relations.filter { ($0.test?.count ?? 0) == 0 }.map {
            "relation \(HyperLearnError.quoted($0.name)) has no test split: training reports no test metric for it (add `test:` to the manifest)"
        }
    }

    /// The modality's graph as training would build it (from the training hyperedges), if it has one.
    static func graph(of m: Int, in dataset: Dataset, sizes: [Int]) throws -> SparseMatrix? {
        switch dataset.modalities[m].graph {
        case let .adjacency(a)?: return try symmetrized(a)
        case let .nearestNeighbors(k)?:
            guard let features = dataset.modalities[m].features else { return nil }
            return try nearestNeighborGraph(features: features, k: k)
        case let .cooccurrence(k, hubLimit)?:
            let incidence = try relationIncidence(modality: m, relations: dataset.relations.map { var r = $0; r.test = nil; return r },
                                              sizes: sizes, binary: true)
            return try cooccurrenceGraph(incidence: incidence, k: k, hubLimit: hubLimit)
        case nil: return nil
        }
    }
}
