import ArgumentParser
import HyperLearn

/// `hyperlearn selftest --device cuda`: every device operation against a naive CPU loop.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check each device operation against a plain CPU computation.")

    /// The devices a self-test can target.
    enum Device: String, ExpressibleByArgument, CaseIterable {
        case cuda
    }

    @Option(help: "The device to check (\(Device.allCases.map(\.rawValue).joined(separator: ", "))).")
    var device: Device = .cuda

    @Option(help: "The CUDA device ordinal.")
    var ordinal: Int = 0

    @Option(help: "Largest accepted relative error.")
    var tolerance: Float = 1e-4

    func validate() throws {
        guard ordinal >= 0 else { throw ValidationError("--ordinal must be 0 or more, not \(ordinal)") }
        guard tolerance > 0 else { throw ValidationError("--tolerance must be positive") }
    }

    func run() throws {
        let backend = try CUDABackend(device: ordinal)
        print("selftest on \(backend.context.device)")
        let checks = try CUDASelfTest.run(on: backend, tolerance: tolerance)
        checks.forEach { print($0) }
        let failures = checks.filter { !$0.passed }.count
        print("\(checks.count - failures) of \(checks.count) checks passed")
        if failures > 0 { throw ExitCode.failure }
    }
}
