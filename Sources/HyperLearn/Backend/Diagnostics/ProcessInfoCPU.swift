import Foundation

/// Processor facts, kept apart so that kernels need not import Foundation.
enum ProcessInfoCPU {
    static var activeProcessorCount: Int { ProcessInfo.processInfo.activeProcessorCount }
}
