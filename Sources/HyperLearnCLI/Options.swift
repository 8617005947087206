import ArgumentParser
import Foundation
import HyperLearn

/// Where relative data paths resolve.
struct DataOptions: ParsableArguments {
    @Option(name: .customLong("data-root"), help: ArgumentHelp(
        "Folder against which the manifest's relative data paths resolve (default: the manifest's folder).",
        valueName: "dir"))
    var dataRoot: String?

    var dataRootURL: URL? { dataRoot.map { URL(fileURLWithPath: $0).standardizedFileURL } }
}

/// The settings a command line may override; anything else goes in a `--config` file.
struct HyperparameterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("YAML file of TrainingConfiguration settings (and optionally `manifest`, `dataRoot`); flags override it.", valueName: "file"))
    var config: String?

    @Option(help: "Maximum number of epochs.")
    var epochs: Int?

    @Option(name: .customLong("dim"), help: "Embedding dimension (also the CP rank).")
    var dimensions: Int?

    @Option(name: .customLong("lr"), help: "Adam learning rate.")
    var learningRate: Float?

    @Option(name: .customLong("batch-size"), help: "Positive hyperedges per step of the largest relation (0: full batch).")
    var batchSize: Int?

    @Option(help: ArgumentHelp("Neighbours sampled per item and layer in a mini-batch step, the hop from the batch first (-1: all; 'none': full graph every step).",
                               valueName: "n,n"))
    var fanouts: Fanouts?

    @Option(name: .customLong("early-stopping"),
            help: ArgumentHelp("The relation whose validation metric alone drives early stopping (default: the mean over all relations).",
                               valueName: "relation"))
    var earlyStoppingRelation: String?

    @Option(help: "Seed of every random draw (the same seed gives the same numbers).")
    var seed: UInt64?

    @Option(help: "Threads for BLAS and the parallel loops (0: all cores).")
    var threads: Int?

    /// Whether any setting other than `--threads` was given.
    var setsTrainingValues: Bool {
        config != nil || epochs != nil || dimensions != nil || learningRate != nil || batchSize != nil || fanouts != nil || earlyStoppingRelation != nil || seed != nil
    }

    func validate() throws {
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
        if let dimensions, dimensions <= 0 || dimensions > InputLimits.maximumDimensions {
            throw ValidationError("--dim must be in 1...\(InputLimits.maximumDimensions), got \(dimensions)")
        }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--lr must be a positive number, got \(learningRate)")
        }
        if let batchSize, batchSize < 0 { throw ValidationError("--batch-size must be ≥ 0, got \(batchSize)") }
        if let threads, threads < 0 || threads > InputLimits.maximumThreads {
            throw ValidationError("--threads must be in 0...\(InputLimits.maximumThreads), got \(threads)")
        }
    }

    /// Applies the flags that were given on top of `configuration`.
    func apply(to configuration: inout TrainingConfiguration) {
        if let epochs { configuration.epochs = epochs }
        if let dimensions { configuration.dimensions = dimensions }
        if let learningRate { configuration.learningRate = learningRate }
        if let batchSize { configuration.batchSize = batchSize }
        if let fanouts { configuration.fanouts = fanouts.values }
        if let earlyStoppingRelation { configuration.earlyStoppingRelation = earlyStoppingRelation }
        if let seed { configuration.seed = seed }
        if let threads { configuration.threads = threads }
    }
}

/// `--fanouts 10,5`, `--fanouts -1` or `--fanouts none` (``TrainingConfiguration/fanouts``).
struct Fanouts: ExpressibleByArgument, Equatable {
    var values: [Int]

    init?(argument: String) {
        if argument == "none" {
            values = []
            return
        }
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && ($0! == -1 || $0! >= 1) }) else { return nil }
        values = parts.map { $0! }
    }
}

/// `--device auto|cpu|cuda[:N]`.
enum DeviceChoice: ExpressibleByArgument, Equatable, CustomStringConvertible {
    case auto, cpu, cuda(Int)

    init?(argument: String) {
        switch argument {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "cuda": self = .cuda(0)
        default:
            guard argument.hasPrefix("cuda:"), let ordinal = Int(argument.dropFirst(5)), ordinal >= 0 else { return nil }
            self = .cuda(ordinal)
        }
    }

    var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .cuda(let ordinal): "cuda:\(ordinal)"
        }
    }

    static var allValueStrings: [String] { ["auto", "cpu", "cuda", "cuda:N"] }
}

struct DeviceOptions: ParsableArguments {
    @Option(help: "Device to train on: auto (the first CUDA GPU when one is usable, else the CPU), cpu, cuda or cuda:N.")
    var device: DeviceChoice = .auto

    @Option(help: ArgumentHelp("One CUDA device per shard, e.g. 0,1,2 (a device may repeat); implies --device cuda and, without --shards or --shard-map, one shard per device.", valueName: "list"))
    var devices: String?

    func validate() throws {
        if let devices {
            guard deviceOrdinals != nil else {
                throw ValidationError("--devices takes comma-separated CUDA device numbers ≥ 0 (e.g. 0,1,2), got '\(devices)'")
            }
            if device == .cpu { throw ValidationError("--devices trains on CUDA devices; it excludes --device cpu") }
        }
    }

    /// The ordinals of `--devices`.
    var deviceOrdinals: [Int]? { devices.flatMap(nonNegativeIntegers) }

    /// One shard per `--devices` entry unless the shards were given.
    func apply(to configuration: inout TrainingConfiguration, shardsGiven: Bool) {
        if let ordinals = deviceOrdinals, !shardsGiven { configuration.shards = ordinals.count }
    }

    /// Moves `trainer`'s steps to the chosen device. Returns the device's name and a line for the log.
    /// `cuda` without a usable GPU (or with settings the GPU engine lacks) is an error; `auto` then
    /// falls back to the CPU and says why.
    func apply(to trainer: Trainer, distributed: Bool) throws -> (name: String, note: String) {
        if let ordinals = deviceOrdinals {
            try openCUDA("--devices \(devices ?? "")", settingsHint: "") { try trainer.use(cudaDevices: ordinals) }
            return ("cuda:" + ordinals.map(String.init).joined(separator: ","), "device: \(trainer.deviceDescription)")
        }
        switch device {
        case .cpu:
            return ("cpu", "device: cpu")
        case .cuda(let ordinal):
            try openCUDA("--device cuda:\(ordinal)", settingsHint: "; use --device cpu") { try trainer.use(.cuda(ordinal)) }
            return ("cuda:\(ordinal)", "device: \(trainer.deviceDescription)")
        case .auto:
            if distributed { return ("cpu", "device: cpu (auto: --distributed trains on the CPU)") }
            do {
                try trainer.use(.cuda(0))
                return ("cuda:0", "device: \(trainer.deviceDescription) (auto)")
            } catch let HyperLearnError.invalidArgument(message) {
                return ("cpu", "device: cpu (auto: \(message))")
            } catch {
                return ("cpu", "device: cpu (auto: no usable CUDA device: \(Self.reason(error)))")
            }
        }
    }

    /// Runs `open`; a setting the GPU engine lacks, or a device that cannot be opened, becomes a CLI error
    /// that starts with `label`.
    private func openCUDA(_ label: String, settingsHint: String, _ open: () throws -> Void) throws {
        do {
            try open()
        } catch let HyperLearnError.invalidArgument(message) {
            throw CLIError("\(label): \(message)\(settingsHint)")
        } catch {
            throw CLIError("\(label): no usable CUDA device: \(Self.reason(error)); use --device cpu (or auto)")
        }
    }

    /// Why a device could not be opened, without the error type's own prefix.
    static func reason(_ error: any Error) -> String {
        if case let HyperLearnError.device(message) = error { return message }
        return "\(error)"
    }
}

/// How much a command prints.
struct ReportingOptions: ParsableArguments {
    @Flag(help: "Print only the final summary.")
    var quiet = false

    @Flag(help: "Print one JSON object per epoch on stdout, then the metrics.")
    var json = false

    @Flag(help: "Also print the device search and the bytes each step exchanges (shown anyway for CUDA and sharded runs).")
    var verbose = false

    func validate() throws {
        if quiet && json { throw ValidationError("--quiet and --json exclude each other") }
    }
}

/// `"0, 0,1"` → `[0, 0, 1]`: a comma-separated list of integers ≥ 0 (`--devices`, `--shard-map`);
/// `nil` when empty or when any entry is not one.
func nonNegativeIntegers(_ text: String) -> [Int]? {
    let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
    return values.map { $0! }
}
