import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn evaluate DIR`: loads a run's model archive and prints the test metrics as JSON; with
/// `--manifest` (or `--data-root`) only the test files are read, against the model's items.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Re-evaluate a trained run on its test split and print the metrics as JSON.")

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "dir"))
    var runPath: String

    @Option(help: ArgumentHelp("Evaluate on this manifest instead of the run's (same modalities and relations).", valueName: "manifest"))
    var manifest: String?

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Folder of items embedded after training (`hyperlearn embed --to`); test hyperedges may name them.", valueName: "dir"))
    var items: String?

    @Option(help: ArgumentHelp("Also write each relation's test hyperedges with their predictions to DIR/RELATION.tsv (member IDs, target, prediction).", valueName: "dir"))
    var predictions: String?

    func run() throws {
        let folder = RunDirectory(runPath)
        var model = try folder.readArchive()
        if let items { model = try EmbedCommand.addingEmbedded(from: URL(fileURLWithPath: items).standardizedFileURL, to: model) }
        // The archive holds the test split the run was tested on; another manifest (or the run's own
        // under another data root) gives its test files, read alone against the model's items.
        if manifest != nil || data.dataRootURL != nil {
            var run = try folder.readConfiguration()
            if let manifest { run.manifest = URL(fileURLWithPath: manifest).standardizedFileURL.path }
            if let root = data.dataRootURL { run.dataRoot = root.path }
            let source = DataSource(run)
            let parsed = try source.manifest()
            guard parsed.modalities.map(\.name) == model.structure.modalities.map(\.name),
                  parsed.relations.map(\.name) == model.structure.relations.map(\.name) else {
                throw CLIError("\(parsed.fileName) has modalities \(parsed.modalities.map(\.name)) and relations \(parsed.relations.map(\.name)); the model has \(model.structure.modalities.map(\.name)) and \(model.structure.relations.map(\.name))")
            }
            let tests = try ManifestLoader(manifest: parsed, dataRoot: source.isEmbedded ? nil : source.dataRoot)
                .loadTestSplits(ids: model.structure.modalities.map(\.ids))
            model = try model.replacingTests(tests)
        }
        let warnings = InfoCommand.untestedRelationWarnings(model.dataset)
        for warning in warnings { Terminal.printError("warning: \(warning)") }
        let result: [String: Any] = [
            "dataset": model.structure.dataset, "best_epoch": model.structure.bestEpoch,
            "epochs": model.structure.epochsTrained,
            "relations": try model.evaluate().mapValues { ["test": $0] },
            "warnings": warnings,
        ]
        if let predictions { try PredictionFiles.write(model, to: predictions) }
        Terminal.write(try JSONOutput.string(result, pretty: true))
    }
}
