import CBLAS
import Dispatch

/// This machine's measured ceilings, the yardsticks `hyperlearn bench` sets the achieved rates against:
/// OpenBLAS `sgemm` on a large square product (dense GFLOP/s) and a STREAM-style triad
/// `a = b + s·c` (memory GB/s, McCalpin's STREAM benchmark).
///
/// Both run on ``CPUKernels``' current thread count (set it first with `threads`), take the best of a
/// few repetitions after one untimed warm-up, and allocate their own buffers (about 48 MiB for the
/// product, 3 × 64 MiB for the triad), freed on return.
public enum MachineCeilings {
    /// GFLOP/s of `cblas_sgemm` on an `size × size × size` product (`2·size³` flops per product).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `size` or `repetitions` is below 1, or
    ///   `size²` overflows.
    public static func sgemmGFLOPS(size: Int = 2048, repetitions: Int = 3) throws -> Double {
        guard size > 0, repetitions > 0, !size.multipliedReportingOverflow(by: size).overflow else {
            throw HyperLearnError.invalidArgument("sgemmGFLOPS: size \(size) and repetitions \(repetitions) must be at least 1")
        }
        var generator = SeededGenerator(seed: 1)
        let a = Matrix(rows: size, columns: size, uncheckedStorage: (0..<(size * size)).map { _ in generator.unitFloat() - 0.5 })
        let b = Matrix(rows: size, columns: size, uncheckedStorage: (0..<(size * size)).map { _ in generator.unitFloat() - 0.5 })
        var c = Matrix(rows: size, columns: size)
        var best = Double.infinity
        for repetition in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            CPUKernels.gemm(a, transposeA: false, b, transposeB: false, alpha: 1, beta: 0, into: &c)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if repetition > 0 { best = min(best, seconds) }
        }
        return 2 * Double(size) * Double(size) * Double(size) / best / 1e9
    }

    /// GB/s of the triad `a[i] = b[i] + s·c[i]` over three `Float` arrays of `bytesPerArray` bytes each,
    /// split across threads by contiguous ranges; counts 12 bytes moved per element (two reads, one write).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `bytesPerArray` holds no `Float` (below 4)
    ///   or `repetitions` is below 1.
    public static func triadGBPS(bytesPerArray: Int = 64 << 20, repetitions: Int = 5) throws -> Double {
        let n = bytesPerArray / MemoryLayout<Float>.size
        guard n > 0, repetitions > 0 else {
            throw HyperLearnError.invalidArgument("triadGBPS: bytesPerArray \(bytesPerArray) must hold a Float (at least 4) and repetitions \(repetitions) be at least 1")
        }
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        // First touch from the worker threads too, so pages sit where the triad will use them.
        CPUKernels.parallelRanges(n, work: n) { range in
            for i in range { a[i] = 0; b[i] = 1; c[i] = 2 }
        }
        let s: Float = 3
        var best = Double.infinity
        for repetition in 0...repetitions {
            let start = DispatchTime.now().uptimeNanoseconds
            CPUKernels.parallelRanges(n, work: n) { range in
                for i in range { a[i] = b[i] + s * c[i] }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if repetition > 0 { best = min(best, seconds) }
        }
        precondition(a[n - 1] == 7, "triad: wrong result")
        return 3 * Double(n) * Double(MemoryLayout<Float>.size) / best / 1e9
    }
}
