import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn predict DIR… --relation R --given user=42,movie=7 --top 10`: ranks every item of the
/// relation's one member that is not given (the mean over several runs: an ensemble), or scores a
/// tuple whose members are all given.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Rank the items that complete a hyperedge.",
        discussion: """
            Give every member of the relation but one as MODALITY=ID (the external IDs of the data, \
            as in embeddings/MODALITY.ids.txt); the missing member's items are scored and the best \
            printed, ranked by the raw score (a valued relation also shows the prediction clamped to \
            the training range). Items that complete a training hyperedge are left out unless \
            --include-seen. Give every member to score one tuple. With several run folders (the same \
            data, other seeds or settings), scores and predictions are their means. For a relation \
            with a repeated modality, name positions as MODALITY#POSITION=ID (0-based).
            """)

    @Argument(help: ArgumentHelp("Run folder(s) written by `hyperlearn train`; several are averaged.", valueName: "dir"))
    var runPaths: [String]

    var runPath: String { runPaths[0] }

    @Option(help: "Relation to complete.")
    var relation: String

    @Option(help: ArgumentHelp("Known members, comma-separated MODALITY=ID pairs.", valueName: "members"))
    var given: String

    @Option(help: "Number of items to print.")
    var top = 10

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Keep candidates that complete a training hyperedge (left out by default).")
    var includeSeen = false

    @Option(help: ArgumentHelp("Folder of items embedded after training (`hyperlearn embed --to`); they join the candidates and may be given.", valueName: "dir"))
    var items: String?

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be ≥ 1, got \(top)") }
        _ = try parseGiven()
    }

    /// `(modality, position?, id)` triples from `--given`.
    func parseGiven() throws -> [(modality: String, position: Int?, id: String)] {
        try given.split(separator: ",", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--given: expected MODALITY=ID, found \(HyperLearnError.quoted(String(pair)))")
            }
            let key = parts[0].split(separator: "#", maxSplits: 1)
            var position: Int?
            if key.count == 2 {
                guard let p = Int(key[1]), p >= 0 else { throw ValidationError("--given: bad position in '\(parts[0])'") }
                position = p
            }
            return (String(key[0]), position, String(parts[1]))
        }
    }

    func run() throws {
        let folder = RunDirectory(runPath)
        let model = try folder.readModel()
        guard let entry = model.relations.first(where: { $0.name == relation }) else {
            throw CLIError("unknown relation '\(relation)' in \(folder.model.path); relations: \(model.relations.map(\.name).joined(separator: ", "))")
        }
        // Place each given member at its position in the relation before the (slow) model rebuild.
        var chosen = [Int: String]()
        for (modality, requested, id) in try parseGiven() {
            let positions = entry.members.indices.filter { entry.members[$0] == modality }
            guard !positions.isEmpty else {
                throw CLIError("--given: '\(modality)' is not a member of relation '\(relation)' (members: \(entry.members.joined(separator: ", ")))")
            }
            let position: Int
            if let explicit = requested {
                guard positions.contains(explicit) else {
                    throw CLIError("--given: position \(explicit) of relation '\(relation)' is not '\(modality)'")
                }
                position = explicit
            } else if positions.count == 1 {
                position = positions[0]
            } else {
                guard let free = positions.first(where: { chosen[$0] == nil }) else {
                    throw CLIError("--given: '\(modality)' is given more often than it is a member")
                }
                position = free
            }
            guard chosen[position] == nil else { throw CLIError("--given: member \(position) ('\(modality)') is given twice") }
            chosen[position] = id
        }
        let hidden = entry.members.indices.filter { chosen[$0] == nil }
        guard hidden.count <= 1 else {
            throw CLIError("--given must name all members of '\(relation)' (\(entry.members.joined(separator: ", "))), or all but one; \(hidden.count) are missing")
        }

        var models = try runPaths.map { try RunDirectory($0).readArchive() }
        if let items {
            let folder = URL(fileURLWithPath: items).standardizedFileURL
            models = try models.map { try EmbedCommand.addingEmbedded(from: folder, to: $0) }
        }
        let ensemble = try Ensemble(models: models)
        let trainer = models[0]
        let dataset = trainer.dataset
        guard let r = dataset.relationIndex(named: relation) else {
            throw CLIError("relation '\(relation)' is not in the run's model archive (\(folder.archive.path))")
        }
        let members = dataset.relations[r].members
        var tuple = [Int32](repeating: 0, count: members.count)
        for (position, id) in chosen {
            let modality = dataset.modalities[members[position]]
            guard let index = modality.ids.firstIndex(of: id) else {
                throw CLIError("--given: no item with ID \(HyperLearnError.quoted(id)) in modality '\(modality.name)' (IDs are listed in \(folder.ids(modality.name).path))")
            }
            tuple[position] = Int32(index)
        }
        /// The mean raw score over the runs.
        func scores(_ hyperedges: HyperedgeSet) throws -> [Float] {
            var sum = try models[0].scores(relation: r, hyperedges: hyperedges)
            for model in models.dropFirst() {
                for (i, s) in try model.scores(relation: r, hyperedges: hyperedges).enumerated() { sum[i] += s }
            }
            return sum.map { $0 / Float(models.count) }
        }
        let valued = dataset.relations[r].task == .regression
        guard let hiddenPosition = hidden.first else {
            let hyperedge = try HyperedgeSet(order: tuple.count, members: tuple)
            let score = try scores(hyperedge)[0], value = try ensemble.predictedValues(relation: r, hyperedges: hyperedge)[0]
            let seen = trainer.trainingContains(relation: r, tuple)
            if json {
                var object: [String: Any] = ["relation": relation, "score": Double(score), "seen": seen, "runs": models.count,
                                             "members": members.indices.map { ["modality": dataset.modalities[members[$0]].name,
                                                                               "id": chosen[$0]!] }]
                if valued { object["prediction"] = Double(value) }
                Terminal.write(try JSONOutput.string(object))
            } else {
                Terminal.write("score\t\(String(format: "%.5f", score))" + (valued ? "\nprediction\t\(String(format: "%.3f", value))" : "")
                               + (seen ? "\n(a training hyperedge)" : "") + "\n")
            }
            return
        }
        let candidates = dataset.modalities[members[hiddenPosition]]
        var flat = [Int32]()
        flat.reserveCapacity(candidates.count * tuple.count)
        for c in 0..<candidates.count {
            tuple[hiddenPosition] = Int32(c)
            flat.append(contentsOf: tuple)
        }
        let hyperedges = try HyperedgeSet(order: tuple.count, members: flat)
        // Ranked by the raw score (clamping ties every prediction above the training range); a valued
        // relation also prints the clamped value, the rating a user reads.
        let scores = try scores(hyperedges)
        let values = try ensemble.predictedValues(relation: r, hyperedges: hyperedges)
        let p = tuple.count
        let eligible = (0..<candidates.count).filter { c in
            includeSeen || !trainer.trainingContains(relation: r, Array(flat[(c * p)..<(c * p + p)]))
        }
        let ranked = eligible.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }.prefix(top)
        if json {
            let rows: [[String: Any]] = ranked.enumerated().map { rank, c in
                var row: [String: Any] = ["rank": rank + 1, "id": candidates.ids[c], "score": Double(scores[c])]
                if candidates.labels != nil { row["label"] = candidates.label(c) }
                if valued { row["prediction"] = Double(values[c]) }
                return row
            }
            Terminal.write(try JSONOutput.string(["relation": relation, "hidden": candidates.name, "top": rows, "runs": models.count,
                                                  "left_out_seen": candidates.count - eligible.count] as [String: Any]))
        } else {
            let labelled = candidates.labels != nil
            var text = "rank\t\(candidates.name)\t" + (labelled ? "label\t" : "") + "score" + (valued ? "\tprediction" : "") + "\n"
            for (rank, c) in ranked.enumerated() {
                text += "\(rank + 1)\t\(candidates.ids[c])\t" + (labelled ? "\(EmbeddingExport.sanitized(candidates.label(c)))\t" : "")
                    + "\(String(format: "%.5f", scores[c]))"
                    + (valued ? "\t\(String(format: "%.3f", values[c]))" : "") + "\n"
            }
            Terminal.write(text)
        }
    }
}
