import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn ensemble DIR DIR… [--predictions OUT]`: averages the predictions of runs trained on the
/// same data (typically one configuration with different seeds) and prints the ensemble's test metrics.
struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Average the predictions of several runs on the same data and print the test metrics as JSON.",
        discussion: """
            Train the members with `hyperlearn train --seed K --out DIR` (same data; different seeds, \
            and if you like different configurations or graphs), then name their run folders here. \
            Regression predictions are averaged after each member clamps them to the training range; \
            link scores are averaged raw. The metrics follow \
            `evaluate`'s protocol (same negatives, same ranking queries). Only the runs' model archives \
            are read, not the data.
            """)

    @Argument(help: ArgumentHelp("Run folders written by `hyperlearn train` (at least two).", valueName: "dir"))
    var runPaths: [String]

    @Option(help: ArgumentHelp("Also write each relation's test hyperedges with the averaged predictions to DIR/RELATION.tsv.", valueName: "dir"))
    var predictions: String?

    func validate() throws {
        guard runPaths.count >= 2 else { throw ValidationError("an ensemble needs at least two run folders, got \(runPaths.count)") }
    }

    func run() throws {
        let members = try runPaths.map { try RunDirectory($0).readArchive() }
        let ensemble: Ensemble
        do {
            ensemble = try Ensemble(models: members)
        } catch HyperLearnError.invalidArgument(let message) {
            throw CLIError("\(message) (members in the order given: \(runPaths.joined(separator: ", ")))")
        }
        let result: [String: Any] = [
            "dataset": ensemble.dataset.name, "members": runPaths,
            "relations": try ensemble.evaluate().mapValues { ["test": $0] },
        ]
        if let predictions { try PredictionFiles.write(ensemble, to: predictions) }
        Terminal.write(try JSONOutput.string(result, pretty: true))
    }
}
