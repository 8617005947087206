import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn report RUN`: one self-contained HTML page about a trained run (RUN/report.html).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a trained run.",
        discussion: """
            The page holds the dataset summary, the test and validation metrics, the training curve, \
            an embedding map per modality (PCA), the nearest neighbours of each modality's most \
            connected items (by label where the manifest names labels) and the configuration. Figures \
            are inline SVG: the page fetches nothing and runs no script.
            """)

    @Argument(help: ArgumentHelp("Run folder written by `hyperlearn train`.", valueName: "run"))
    var runPath: String

    @Option(help: ArgumentHelp("Output file (default: RUN/report.html).", valueName: "file"))
    var out: String?

    func run() throws {
        let folder = RunDirectory(runPath)
        let model = try folder.readArchive()
        try folder.require(folder.metrics, what: "metrics.json is written when training ends")
        try InputFile.requireRegularFile(folder.metrics, file: folder.metrics.path, line: nil, field: "metrics")
        guard let metricsJSON = (try? JSONSerialization.jsonObject(with: Data(contentsOf: folder.metrics))) as? [String: Any] else {
            throw HyperLearnError.invalidInput(file: folder.metrics.path, line: nil, field: "metrics", reason: "not the JSON object `train` writes")
        }
        var metrics = HTMLReport.Metrics()
        for (relation, entry) in metricsJSON["relations"] as? [String: Any] ?? [:] {
            for (split, values) in entry as? [String: Any] ?? [:] {
                metrics[relation, default: [:]][split] = (values as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
            }
        }
        var history = [EpochRecord]()
        if FileManager.default.fileExists(atPath: folder.history.path) {
            try InputFile.requireRegularFile(folder.history, file: folder.history.path, line: nil, field: "history")
            do {
                history = try JSONDecoder().decode([EpochRecord].self, from: Data(contentsOf: folder.history))
            } catch {
                throw HyperLearnError.invalidInput(file: folder.history.path, line: nil, field: "history", reason: "damaged: \(error)")
            }
        }
        let configuration = (try? String(contentsOf: folder.config, encoding: .utf8)) ?? ""
        let page = try HTMLReport.render(model, history: history, metrics: metrics, configuration: configuration)
        let destination = out.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? folder.url.appendingPathComponent("report.html")
        try AtomicFile.write(page, to: destination)
        Terminal.write(destination.path + "\n")
    }
}
