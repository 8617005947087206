import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn evaluate DIR`: rebuilds a run's model from its config and checkpoint and prints the
/// test metrics as JSON.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Re-evaluate a trained run on its test split and print the metrics as JSON.")

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "dir"))
    var runPath: String

    @Option(help: ArgumentHelp("Evaluate on this manifest instead of the run's (same modalities and relations).", valueName: "manifest"))
    var manifest: String?

    @OptionGroup var data: DataOptions

    @Option(help: ArgumentHelp("Also write each relation's test hyperedges with their predictions to DIR/RELATION.tsv (member IDs, target, prediction).", valueName: "dir"))
    var predictions: String?

    func run() throws {
        let folder = RunDirectory(runPath)
        let (trainer, loaded) = try folder.restoreTrainer(manifest: manifest, dataRoot: data.dataRootURL)
        let result: [String: Any] = [
            "dataset": loaded.dataset.name, "best_epoch": trainer.bestEpoch, "epochs": trainer.epoch,
            "relations": trainer.evaluate(on: .test).mapValues { ["test": $0] },
        ]
        if let predictions { try PredictionFiles.write(trainer, to: predictions) }
        Terminal.write(try JSONOutput.string(result, pretty: true))
    }
}
