import Foundation

/// Wall time and work of the CPU's dense (`sgemm`) and sparse (CSR × dense) products, counted only
/// while ``isEnabled`` (by `hyperlearn bench`), so that achieved GFLOP/s and GB/s come from the
/// products themselves rather than from whole training phases.
///
/// Work is counted as the kernels see it: `2·m·n·k` flops per `sgemm`; `nnz·d·4` bytes read plus
/// `rows·d·4` bytes written per sparse product.
public enum KernelCounters {
    public struct Totals: Sendable, Equatable {
        public var gemmCalls = 0
        public var gemmFlops = 0.0
        public var gemmSeconds = 0.0
        public var spmmCalls = 0
        public var spmmBytes = 0.0
        public var spmmSeconds = 0.0
        public init() {}
    }

    /// Whether the kernels record their calls (off by default: it costs two clock reads and a lock per call).
    nonisolated(unsafe) public static var isEnabled = false
    private static let lock = NSLock()
    nonisolated(unsafe) private static var totals = Totals()

    /// The totals since the last ``reset()``.
    public static var current: Totals { lock.withLock { totals } }

    public static func reset() { lock.withLock { totals = Totals() } }

    static func addGEMM(flops: Double, since start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        lock.withLock { totals.gemmCalls += 1; totals.gemmFlops += flops; totals.gemmSeconds += seconds }
    }

    static func addSpMM(bytes: Double, since start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        lock.withLock { totals.spmmCalls += 1; totals.spmmBytes += bytes; totals.spmmSeconds += seconds }
    }
}
