import ArgumentParser
import Foundation
import HyperLearn

@main
struct HyperLearnCommand: ParsableCommand {
    /// The release, printed by `hyperlearn --version`.
    static let version = "0.6.0"

    static let configuration = CommandConfiguration(
        commandName: "hyperlearn",
        abstract: "Learn embeddings for every item of a multimodal dataset.",
        discussion: """
            Without a manifest, `train` and `info` use the bundled FAERS drug dataset \
            (user–drug–reaction reports). Every input error exits with status 2 and names the file, \
            line and field.
            """,
        version: HyperLearnCommand.version,
        subcommands: [
            TrainCommand.self,
            ExtendCommand.self,
            EmbedCommand.self,
            EvaluateCommand.self,
            EnsembleCommand.self,
            PredictCommand.self,
            ExportCommand.self,
            NeighborsCommand.self,
            ReportCommand.self,
            InfoCommand.self,
            GenerateCommand.self,
            BenchCommand.self,
            DoctorCommand.self,
            SelftestCommand.self,
        ])

    /// Runs the command; every failure that is not a request for help becomes one paragraph on
    /// stderr and exit status 2 (never a trap or a stack trace).
    static func main() {
        // Training's large temporary matrices are reused from the heap instead of being mapped afresh.
        HeapTuning.keepLargeBlocks()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            fail(error)
        }
    }

    static func fail(_ error: Error) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        if !(error is HyperLearnError) && !(error is CLIError) && exitCode(for: error) == .success {
            exit(withError: error)   // --help, --version: printed on stdout, status 0
        }
        let message: String
        switch error {
        case let error as HyperLearnError: message = "error: \(error)"
        case let error as CLIError: message = "error: \(error.message)"
        case let error as NSError where error.domain == NSCocoaErrorDomain || error.domain == NSPOSIXErrorDomain:
            // A file error the command did not catch: the path and the reason, not the NSError dump.
            let path = (error.userInfo[NSFilePathErrorKey] as? String) ?? (error.userInfo[NSURLErrorKey] as? URL)?.path
            message = "error: \(path.map { "\($0): " } ?? "")\(InputFile.reason(for: error))"
        default: message = fullMessage(for: error)
        }
        Terminal.printError(message)
        Foundation.exit(2)
    }
}
