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

    @Option(help: "Seed of every random draw (the same seed gives the same numbers).")
    var seed: UInt64?

    @Option(help: "Threads for BLAS and the parallel loops (0: all cores).")
    var threads: Int?

    /// Whether any setting other than `--threads` was given.
    var setsTrainingValues: Bool {
        config != nil || epochs != nil || dimensions != nil || learningRate != nil || batchSize != nil || seed != nil
    }

    func validate() throws {
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
        if let dimensions, dimensions <= 0 { throw ValidationError("--dim must be positive, got \(dimensions)") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) {
            throw ValidationError("--lr must be a positive number, got \(learningRate)")
        }
        if let batchSize, batchSize < 0 { throw ValidationError("--batch-size must be ≥ 0, got \(batchSize)") }
        if let threads, threads < 0 { throw ValidationError("--threads must be ≥ 0, got \(threads)") }
    }

    /// Applies the flags that were given on top of `configuration`.
    func apply(to configuration: inout TrainingConfiguration) {
        if let epochs { configuration.epochs = epochs }
        if let dimensions { configuration.dimensions = dimensions }
        if let learningRate { configuration.learningRate = learningRate }
        if let batchSize { configuration.batchSize = batchSize }
        if let seed { configuration.seed = seed }
        if let threads { configuration.threads = threads }
    }
}

/// Which device trains.
enum DeviceChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu, cuda
}

struct DeviceOptions: ParsableArguments {
    @Option(help: "Device to train on (auto picks the CPU, the only backend in this build).")
    var device: DeviceChoice = .auto

    /// The device that will run, or an error for `cuda` when it cannot.
    func resolve() throws -> (name: String, note: String?) {
        switch device {
        case .cpu: return ("cpu", nil)
        case .auto: return ("cpu", "device: cpu (auto: the CPU is the only backend in this build)")
        case .cuda: throw CLIError("no CUDA device: \(CUDAProbe.reason()); use --device cpu (or auto)")
        }
    }
}

/// Why CUDA cannot be used here (there is no CUDA backend yet; say whether the driver is present).
enum CUDAProbe {
    static func reason() -> String {
        if let handle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL) {
            dlclose(handle)
            return "the driver libcuda.so.1 is present, but this build has no CUDA backend"
        }
        let detail = dlerror().map { String(cString: $0) } ?? "not found"
        return "cannot load libcuda.so.1 (\(detail))"
    }
}

/// How much a command prints.
struct ReportingOptions: ParsableArguments {
    @Flag(help: "Print only the final summary.")
    var quiet = false

    @Flag(help: "Print one JSON object per epoch on stdout, then the metrics.")
    var json = false

    func validate() throws {
        if quiet && json { throw ValidationError("--quiet and --json exclude each other") }
    }
}
