#if os(Linux)
import CMalloc
#endif

/// Settings of the C heap that make training's large temporary matrices cheap.
///
/// A training step allocates and frees matrices of tens of megabytes: an encoder layer's output for
/// 200,000 items at width 64 is 51 MB, and so is a decoder chunk's gathered rows. glibc serves every
/// block above its mmap threshold (at most 32 MB when left to itself) with a fresh `mmap` and returns it
/// with `munmap` when it is freed, so the kernel zero-fills each such matrix page by page on first touch,
/// every step. On the 1M-hyperedge synthetic set that is 4.5 million page faults in 8 full-batch epochs
/// and about 30 % of each epoch's time (BENCHMARKS.md, "The heap, and member blocks scattered
/// concurrently").
///
/// ``keepLargeBlocks()`` raises the mmap threshold and the trim threshold to 1 GiB, so that freed blocks
/// stay in the heap and the next step reuses them. The peak resident memory stays about the same (the
/// blocks are needed again at once); memory freed at the end of training is kept by the process rather
/// than returned to the system. These are process-wide settings, so the library never changes them by
/// itself: the `hyperlearn` command calls this at start, and an application that trains calls it once if
/// it wants the same speed.
public enum HeapTuning {
    /// The mmap and trim thresholds that ``keepLargeBlocks()`` sets, in bytes.
    public static let threshold = 1 << 30

    /// Keeps freed blocks of up to ``threshold`` bytes in the process heap for reuse. Returns whether
    /// the C library took both settings (always `false` where the C library is not glibc).
    @discardableResult
    public static func keepLargeBlocks() -> Bool {
        #if os(Linux)
        let mapped = mallopt(M_MMAP_THRESHOLD, Int32(threshold))
        let trimmed = mallopt(M_TRIM_THRESHOLD, Int32(threshold))
        return mapped == 1 && trimmed == 1
        #else
        return false
        #endif
    }
}
