import ArgumentParser
import CBLAS
import HyperLearn

/// `hyperlearn doctor`: what this machine offers HyperLearn (CUDA libraries and devices, OpenBLAS).
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the compute devices and libraries HyperLearn can use.")

    func run() throws {
        print(CUDADiagnostics.report())
        print("OpenBLAS")
        print("  config: \(openblas_get_config().map { String(cString: $0) } ?? "unknown")")
        print("  threads: \(openblas_get_num_threads())")
    }
}
