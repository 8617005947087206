import Foundation
import HyperLearn

/// Reports training progress: a redrawn one-line bar on a terminal, plain lines otherwise, nothing
/// but the summary with `--quiet`, one JSON object per epoch with `--json`.
final class ProgressReporter {
    enum Mode { case bar, lines, quiet, json }

    let mode: Mode
    let totalEpochs: Int
    let verbose: Bool
    private var barDrawn = false

    init(reporting: ReportingOptions, totalEpochs: Int) {
        verbose = reporting.verbose
        if reporting.json { mode = .json }
        else if reporting.quiet { mode = .quiet }
        else { mode = Terminal.standardOutputIsTerminal ? .bar : .lines }
        self.totalEpochs = totalEpochs
    }

    /// A notice for people (not in JSON or quiet mode); on stderr so that stdout stays data.
    func note(_ text: String) {
        guard mode == .bar || mode == .lines else { return }
        Terminal.printError(text)
    }

    /// A notice that matters only with `--verbose` unless `matters` (a CUDA or sharded run).
    func detail(_ text: String, matters: Bool = false) {
        if verbose || matters { note(text) }
    }

    func epoch(_ record: EpochRecord, history: [EpochRecord]) {
        switch mode {
        case .quiet: return
        case .json:
            var object: [String: Any] = ["epoch": record.epoch, "loss": record.loss, "seconds": record.seconds,
                                         "learning_rate": Double(record.learningRate), "validation": record.validation]
            object["validation_score"] = record.validationScore ?? Double.nan
            Terminal.write((try? JSONOutput.string(object)) ?? "{}\n")
        case .lines:
            Terminal.write(line(record, history: history) + "\n")
        case .bar:
            let width = 24
            let filled = totalEpochs > 0 ? min(width, width * record.epoch / totalEpochs) : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            Terminal.write("\r\u{1B}[K[\(bar)] " + line(record, history: history))
            barDrawn = true
        }
    }

    /// Ends the bar's line before other output.
    func finish() {
        if barDrawn { Terminal.write("\n"); barDrawn = false }
    }

    private func line(_ record: EpochRecord, history: [EpochRecord]) -> String {
        var text = "epoch \(record.epoch)/\(totalEpochs)  loss \(String(format: "%.4f", record.loss))"
        // Each relation's own validation metric, named: `val rating rmse 0.8540 · tagging auc 0.7810`.
        let metrics = record.validation.keys.sorted().compactMap { name -> String? in
            guard let values = record.validation[name], let metric = values.keys.sorted().first, let value = values[metric] else { return nil }
            return "\(name) \(metric) \(String(format: "%.4f", value))"
        }
        if !metrics.isEmpty { text += "  val " + metrics.joined(separator: " · ") }
        let recent = history.suffix(5)
        let perEpoch = recent.map(\.seconds).reduce(0, +) / Double(max(1, recent.count))
        text += "  \(String(format: "%.2f", record.seconds)) s"
        let remaining = max(0, totalEpochs - record.epoch)
        if remaining > 0 { text += "  ETA ≤ \(ProgressReporter.duration(perEpoch * Double(remaining)))" }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.0f s", seconds) }
        if seconds < 3600 { return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%d h %02d min", Int(seconds) / 3600, (Int(seconds) % 3600) / 60)
    }
}
