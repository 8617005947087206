import CBLAS
import Dispatch

/// The CPU's compute kernels: OpenBLAS for dense products, hand-written loops (parallel across rows
/// where the work is large) for sparse products, gathers, scatters and element-wise passes.
///
/// This file and `Matrix+Ops.swift` are the only places that touch raw pointers; everything above
/// them works on ``Matrix`` and ``SparseMatrix`` values. Every entry point checks shapes first.
enum CPUKernels {
    /// Work (in multiply-adds) below which a loop stays on one thread: spawning costs more than it saves.
    static let parallelThreshold = 1 << 16

    /// Number of worker threads for the hand-written loops.
    nonisolated(unsafe) static var threadCount: Int = max(1, min(ProcessInfoCPU.activeProcessorCount, 64))

    /// Sets the thread count of both OpenBLAS and the hand-written loops.
    static func setThreads(_ n: Int) {
        threadCount = max(1, n)
        openblas_set_num_threads(Int32(threadCount))
    }

    /// Runs `body(range)` over `0..<count` split into contiguous chunks, in parallel when `work` is large.
    @inline(__always)
    static func parallelRanges(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let threads = threadCount
        if threads <= 1 || work < parallelThreshold || count < 2 {
            body(0..<count)
            return
        }
        let chunks = min(count, threads * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let start = count * c / chunks
            let end = count * (c + 1) / chunks
            if start < end { body(start..<end) }
        }
    }

    /// `C = alpha · op(A) · op(B) + beta · C` through `cblas_sgemm` (row-major).
    static func gemm(_ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
                     alpha: Float, beta: Float, into c: inout Matrix) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "gemm: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "")")
        precondition(c.rows == m && c.columns == n, "gemm: result \(c.shape), expected (\(m), \(n))")
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.fill(0) } else { scale(&c, by: beta) }
            return
        }
        let counting = KernelCounters.isEnabled
        let start = counting ? DispatchTime.now().uptimeNanoseconds : 0
        defer { if counting { KernelCounters.addGEMM(flops: 2 * Double(m) * Double(n) * Double(k), since: start) } }
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.storage.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), alpha,
                                pa.baseAddress, Int32(a.columns), pb.baseAddress, Int32(b.columns),
                                beta, pc.baseAddress, Int32(n))
                }
            }
        }
    }

    /// `Y = beta · Y + S · X` for CSR `S`, parallel across rows of `Y` (each row written by one thread,
    /// so the result does not depend on the thread count).
    static func spmm(_ s: SparseMatrix, _ x: Matrix, beta: Float, into y: inout Matrix) {
        precondition(s.columns == x.rows, "spmm: \(s.rows)×\(s.columns) × \(x.shape)")
        precondition(y.rows == s.rows && y.columns == x.columns, "spmm: result \(y.shape), expected (\(s.rows), \(x.columns))")
        let d = x.columns
        if d == 0 || s.rows == 0 { return }
        let counting = KernelCounters.isEnabled
        let start = counting ? DispatchTime.now().uptimeNanoseconds : 0
        defer {
            if counting {
                KernelCounters.addSpMM(bytes: Double((s.nonzeroCount + s.rows) * d * MemoryLayout<Float>.size), since: start)
            }
        }
        s.rowOffsets.withUnsafeBufferPointer { offsets in
            s.columnIndices.withUnsafeBufferPointer { cols in
                s.values.withUnsafeBufferPointer { vals in
                    x.storage.withUnsafeBufferPointer { px in
                        y.storage.withUnsafeMutableBufferPointer { py in
                            let yBase = py.baseAddress!
                            let xBase = px.baseAddress!
                            parallelRanges(s.rows, work: s.nonzeroCount * d) { range in
                                spmmRows(range, offsets: offsets.baseAddress!, columns: cols.baseAddress!,
                                         values: vals.baseAddress!, x: xBase, width: d, beta: beta, y: yBase)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rows `range` of `y = beta · y + S · x`: each output row is built 16 columns at a time in a
    /// register accumulator over the row's nonzeros (the `x` rows a block touches stay in L1), then
    /// stored once. Per element the operations and their order are those of the plain loop
    /// `y[c] = beta · y[c]; for k { y[c] += w_k · x_k[c] }`, so the result is bit-identical to it.
    @inline(__always)
    static func spmmRows(_ range: Range<Int>, offsets: UnsafePointer<Int>, columns: UnsafePointer<Int32>,
                         values: UnsafePointer<Float>, x: UnsafePointer<Float>, width d: Int, beta: Float,
                         y: UnsafeMutablePointer<Float>) {
        typealias Block = SIMD16<Float>
        let blocks = d / Block.scalarCount * Block.scalarCount
        for i in range {
            let out = y + i * d
            let first = offsets[i], last = offsets[i + 1]
            var c = 0
            while c < blocks {
                var accumulator: Block
                if beta == 0 {
                    accumulator = Block(repeating: 0)
                } else {
                    accumulator = UnsafeRawPointer(out + c).loadUnaligned(as: Block.self)
                    if beta != 1 { accumulator *= Block(repeating: beta) }
                }
                for k in first..<last {
                    let row = UnsafeRawPointer(x + Int(columns[k]) * d + c).loadUnaligned(as: Block.self)
                    accumulator += Block(repeating: values[k]) * row
                }
                UnsafeMutableRawPointer(out + c).storeBytes(of: accumulator, as: Block.self)
                c += Block.scalarCount
            }
            if blocks < d {
                if beta == 0 {
                    (out + blocks).update(repeating: 0, count: d - blocks)
                } else if beta != 1 {
                    for c in blocks..<d { out[c] *= beta }
                }
                for k in first..<last {
                    let w = values[k]
                    let src = x + Int(columns[k]) * d
                    for c in blocks..<d { out[c] += w * src[c] }
                }
            }
        }
    }

    /// `out[r] = x[indices[r * stride + offset]]` for every row `r` of `out`.
    static func gatherRows(_ x: Matrix, indices: [Int32], stride: Int, offset: Int, range: Range<Int>,
                           into out: inout Matrix, outputRow: Int = 0) {
        let d = x.columns
        precondition(out.columns == d && out.rows >= outputRow + range.count, "gatherRows: \(out.shape) for \(range.count) rows of width \(d)")
        x.storage.withUnsafeBufferPointer { px in
            out.storage.withUnsafeMutableBufferPointer { po in
                indices.withUnsafeBufferPointer { idx in
                    let xBase = px.baseAddress!, oBase = po.baseAddress! + outputRow * d
                    let lower = range.lowerBound
                    parallelRanges(range.count, work: range.count * d) { rows in
                        for r in rows {
                            let item = Int(idx[(lower + r) * stride + offset])
                            copyRow(xBase + item * d, to: oBase + r * d, width: d)
                        }
                    }
                }
            }
        }
    }

    /// `x[indices[r * stride + offset]] += g[r]` for the first `count` rows of `g`. Serial, so that
    /// repeated indices accumulate in a fixed order (determinism). (Splitting destination rows among
    /// threads keeps that order but measured slower on the shared 2-core machine: both threads walk
    /// every index, and the time goes to cache misses on the destination rows either way.)
    static func scatterAddRows(_ g: Matrix, sourceRow: Int = 0, count: Int, indices: [Int32], stride: Int, offset: Int,
                               rangeStart: Int, into x: inout Matrix) {
        let d = x.columns
        precondition(g.columns == d && g.rows >= sourceRow + count, "scatterAddRows: \(g.shape) into width \(d)")
        precondition(count == 0 || indices.count >= (rangeStart + count - 1) * stride + offset + 1, "scatterAddRows: indices too short")
        if count == 0 || d == 0 { return }
        g.storage.withUnsafeBufferPointer { pg in
            x.storage.withUnsafeMutableBufferPointer { px in
                indices.withUnsafeBufferPointer { idx in
                    let gBase = pg.baseAddress! + sourceRow * d, xBase = px.baseAddress!
                    let index = idx.baseAddress! + rangeStart * stride + offset
                    for r in 0..<count { addRow(gBase + r * d, to: xBase + Int(index[r * stride]) * d, width: d) }
                }
            }
        }
    }

    /// `xs[targets[b]][indices[b][r]] += g[fromRows[b] + r]` for every block `b` and row `r`. Destinations
    /// run concurrently (each is a different matrix, so nothing races); the blocks of one destination run
    /// in block order, so every row accumulates in the order ``scatterAddRows(_:sourceRow:count:indices:stride:offset:rangeStart:into:)``
    /// called block by block would give, and the results are bit-identical to it.
    static func scatterAddRowBlocks(_ g: Matrix, fromRows: [Int], indices: [[Int32]], targets: [Int], into xs: inout [Matrix]) {
        let d = g.columns
        let groups = xs.indices.map { t in targets.indices.filter { targets[$0] == t } }.filter { !$0.isEmpty }
        g.storage.withUnsafeBufferPointer { pg in
            xs.withUnsafeMutableBufferPointer { matrices in
                withMutableBases(matrices, from: 0, []) { bases in
                    let run = { (group: [Int]) in
                        for b in group {
                            indices[b].withUnsafeBufferPointer { idx in
                                // An empty destination has no base address, and then no index either.
                                guard idx.count > 0, let destination = bases[targets[b]] else { return }
                                let source = pg.baseAddress! + fromRows[b] * d
                                for r in 0..<idx.count { addRow(source + r * d, to: destination + Int(idx[r]) * d, width: d) }
                            }
                        }
                    }
                    if threadCount <= 1 || groups.count < 2 || indices.reduce(0, { $0 + $1.count }) * d < parallelThreshold {
                        groups.forEach(run)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: groups.count) { run(groups[$0]) }
                    }
                }
            }
        }
    }

    /// `body` with the base address of every matrix's storage (a storage is made unique first; an
    /// empty one has none).
    private static func withMutableBases(_ matrices: UnsafeMutableBufferPointer<Matrix>, from k: Int,
                                         _ bases: [UnsafeMutablePointer<Float>?],
                                         _ body: ([UnsafeMutablePointer<Float>?]) -> Void) {
        if k == matrices.count { return body(bases) }
        matrices[k].storage.withUnsafeMutableBufferPointer { p in
            withMutableBases(matrices, from: k + 1, bases + [p.baseAddress], body)
        }
    }

    /// `destination[0..<d] = source[0..<d]` in SIMD blocks: rows of tens of floats, where a `memmove`
    /// call per row cost more than the copy (ML-100K's gathers: about 1 ms of a 24 ms epoch).
    @inline(__always)
    static func copyRow(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, width d: Int) {
        typealias Block = SIMD16<Float>
        var c = 0
        while c + Block.scalarCount <= d {
            UnsafeMutableRawPointer(destination + c).storeBytes(of: UnsafeRawPointer(source + c).loadUnaligned(as: Block.self),
                                                                as: Block.self)
            c += Block.scalarCount
        }
        while c < d { destination[c] = source[c]; c += 1 }
    }

    /// `destination[c] += source[c]` for `c < d`, 16 lanes at a time.
    @inline(__always)
    static func addRow(_ source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>, width d: Int) {
        typealias Block = SIMD16<Float>
        var c = 0
        while c + Block.scalarCount <= d {
            let sum = UnsafeRawPointer(destination + c).loadUnaligned(as: Block.self)
                + UnsafeRawPointer(source + c).loadUnaligned(as: Block.self)
            UnsafeMutableRawPointer(destination + c).storeBytes(of: sum, as: Block.self)
            c += Block.scalarCount
        }
        while c < d { destination[c] += source[c]; c += 1 }
    }

    /// `x *= factor`.
    static func scale(_ x: inout Matrix, by factor: Float) {
        x.storage.withUnsafeMutableBufferPointer { p in
            for (start, count) in blasChunks(p.count) {
                cblas_sscal(Int32(count), factor, p.baseAddress! + start, 1)
            }
        }
    }

    /// `(start, count)` pieces of `0 ..< n`, each within BLAS's 32-bit element count (a matrix built
    /// through the library may hold more than `Int32.max` elements; one call would trap converting it).
    /// Lazy, so that the scale and axpy of a training step allocate nothing for it.
    static func blasChunks(_ n: Int) -> LazyMapCollection<Range<Int>, (start: Int, count: Int)> {
        let piece = Int(Int32.max)
        return (0..<(n / piece + (n % piece == 0 ? 0 : 1))).lazy.map { i in (i * piece, min(piece, n - i * piece)) }
    }

    /// `y += alpha · x`.
    static func axpy(_ alpha: Float, _ x: Matrix, _ y: inout Matrix) {
        precondition(x.storage.count == y.storage.count, "axpy: \(x.shape) and \(y.shape)")
        x.storage.withUnsafeBufferPointer { px in
            y.storage.withUnsafeMutableBufferPointer { py in
                for (start, count) in blasChunks(px.count) {
                    cblas_saxpy(Int32(count), alpha, px.baseAddress! + start, 1, py.baseAddress! + start, 1)
                }
            }
        }
    }

    /// `Σ x ⊙ y` in double precision.
    static func dot(_ x: Matrix, _ y: Matrix) -> Double {
        precondition(x.storage.count == y.storage.count, "dot: \(x.shape) and \(y.shape)")
        return x.storage.withUnsafeBufferPointer { px in
            y.storage.withUnsafeBufferPointer { py in
                var sum = 0.0
                for i in 0..<px.count { sum += Double(px[i]) * Double(py[i]) }
                return sum
            }
        }
    }

    /// Adds the row vector `bias` (`1 × d`) to every row of `x`.
    static func addRowVector(_ bias: Matrix, to x: inout Matrix) {
        let d = x.columns, n = x.rows
        precondition(bias.storage.count == d, "addRowVector: bias \(bias.shape) for width \(d)")
        bias.storage.withUnsafeBufferPointer { pb in
            x.storage.withUnsafeMutableBufferPointer { px in
                let base = px.baseAddress!
                parallelRanges(n, work: n * d) { rows in
                    for r in rows {
                        let row = base + r * d
                        for c in 0..<d { row[c] += pb[c] }
                    }
                }
            }
        }
    }

    /// `out (1 × d) += column sums of x`, in double precision per column.
    static func accumulateColumnSums(_ x: Matrix, into out: inout Matrix) {
        let d = x.columns
        precondition(out.storage.count == d, "columnSums: \(out.shape) for width \(d)")
        var sums = [Double](repeating: 0, count: d)
        x.storage.withUnsafeBufferPointer { px in
            for r in 0..<x.rows {
                let row = px.baseAddress! + r * d
                for c in 0..<d { sums[c] += Double(row[c]) }
            }
        }
        for c in 0..<d { out.storage[c] += Float(sums[c]) }
    }

    /// In place: `x = max(x, 0)`, then `x *= mask` (dropout's scaled keep-mask, when given). Each
    /// element's draw is computed where it is used, in parallel: no mask array the size of `x`.
    static func reluDropout(_ x: inout Matrix, mask: DropoutMask?) {
        let scale = mask?.keepScale ?? 1
        x.storage.withUnsafeMutableBufferPointer { px in
            parallelRanges(px.count, work: px.count * (mask == nil ? 1 : 4)) { range in
                if let mask {
                    for i in range { px[i] = mask.keeps(i) ? max(px[i], 0) * scale : 0 }
                } else {
                    for i in range { px[i] = max(px[i], 0) }
                }
            }
        }
    }

    /// `mask`'s factors for `count` elements, filled in parallel (each element's draw is independent).
    static func dropoutFactors(_ mask: DropoutMask, count: Int) -> [Float] {
        let scale = mask.keepScale
        var factors = [Float](repeating: 0, count: count)
        factors.withUnsafeMutableBufferPointer { f in
            parallelRanges(count, work: count * 4) { range in
                for i in range where mask.keeps(i) { f[i] = scale }
            }
        }
        return factors
    }

    /// Backward of ``reluDropout(_:mask:)``, in place: `g *= mask · [y > 0]`, given the forward's output
    /// `y` (or its input: both are positive exactly where the gradient passes, since a dropped element's
    /// output is 0 and a kept one's factor is positive).
    static func reluDropoutBackward(_ g: inout Matrix, output y: Matrix, mask: DropoutMask?) {
        precondition(g.storage.count == y.storage.count, "reluBackward: shapes differ")
        let scale = mask?.keepScale ?? 1
        g.storage.withUnsafeMutableBufferPointer { pg in
            y.storage.withUnsafeBufferPointer { py in
                parallelRanges(pg.count, work: pg.count * (mask == nil ? 1 : 4)) { range in
                    if let mask {
                        for i in range { pg[i] = py[i] > 0 && mask.keeps(i) ? pg[i] * scale : 0 }
                    } else {
                        for i in range where py[i] <= 0 { pg[i] = 0 }
                    }
                }
            }
        }
    }

    /// ``CPUOperations/reluDropoutBackwardProduct(_:weight:root:mask:rows:columns:activation:)`` for
    /// shapes already checked: `(∂T Wᵀ + ∂Y W_rootᵀ)` one block of rows at a time into a small buffer,
    /// then masked into the activation's rows. The sum for each element is the same as one product over
    /// all rows would give; only the rows that a call covers change.
    /// `blockElements`: the buffer's size (4 MB by default).
    static func reluDropoutBackwardProduct(_ dt: Matrix, weight: Matrix, root: (upstream: Matrix, weight: Matrix)?,
                                           mask: DropoutMask?, activation h: inout Matrix, blockElements: Int = 1 << 20) {
        let rows = h.rows, width = h.columns
        if rows == 0 || width == 0 { return }
        let blockRows = max(1, min(rows, blockElements / width))
        var block = [Float](repeating: 0, count: blockRows * width)
        let scale = mask?.keepScale ?? 1
        /// `block = a[start ..< start + count] · bᵀ (+ block)`.
        func addProduct(_ a: Matrix, _ b: Matrix, start: Int, count: Int, beta: Float) {
            let inner = a.columns
            guard inner > 0 else {
                if beta == 0 { for i in 0..<(count * width) { block[i] = 0 } }
                return
            }
            let counting = KernelCounters.isEnabled
            let begin = counting ? DispatchTime.now().uptimeNanoseconds : 0
            a.storage.withUnsafeBufferPointer { pa in
                b.storage.withUnsafeBufferPointer { pb in
                    block.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(width), Int32(inner), 1,
                                    pa.baseAddress! + start * inner, Int32(inner), pb.baseAddress, Int32(inner),
                                    beta, pc.baseAddress, Int32(width))
                    }
                }
            }
            if counting { KernelCounters.addGEMM(flops: 2 * Double(count) * Double(width) * Double(inner), since: begin) }
        }
        for start in stride(from: 0, to: rows, by: blockRows) {
            let count = min(blockRows, rows - start)
            addProduct(dt, weight, start: start, count: count, beta: 0)
            if let root { addProduct(root.upstream, root.weight, start: start, count: count, beta: 1) }
            let offset = start * width
            h.storage.withUnsafeMutableBufferPointer { ph in
                block.withUnsafeBufferPointer { pb in
                    parallelRanges(count * width, work: count * width * (mask == nil ? 1 : 4)) { range in
                        if let mask {
                            for j in range {
                                let i = offset + j
                                ph[i] = ph[i] > 0 && mask.keeps(i) ? pb[j] * scale : 0
                            }
                        } else {
                            for j in range { ph[offset + j] = ph[offset + j] > 0 ? pb[j] : 0 }
                        }
                    }
                }
            }
        }
    }
}

extension CPUKernels {
    /// One fused Adam/AdamW pass over a parameter's elements (see ``AdamRule`` for the expression).
    static func adam(value: inout [Float], gradient: [Float], firstMoment: inout [Float], secondMoment: inout [Float],
                     rule: AdamRule) {
        let n = value.count
        precondition(gradient.count == n && firstMoment.count == n && secondMoment.count == n, "adam: sizes differ")
        value.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        parallelRanges(n, work: n * 8) { range in
                            for i in range { adamElement(w, g, m, v, parameter: i, gradient: i, rule) }
                        }
                    }
                }
            }
        }
    }

    /// ``adam(value:gradient:firstMoment:secondMoment:rule:)`` on some rows of a `columns`-wide parameter:
    /// `slots[row]` is the row of `gradient` that holds parameter row `row`'s gradient, or −1 for a row
    /// the step did not touch. The loop walks the parameter and its moments in row order (three arrays
    /// read and written in sequence, one read at random) rather than in the gradient's order: 10 %
    /// faster on the 1M set's sampled steps, and each element's update is the same either way.
    static func adamRows(value: inout [Float], gradient: [Float], slots: [Int32], columns: Int, firstMoment: inout [Float],
                         secondMoment: inout [Float], rule: AdamRule) {
        precondition(slots.count * columns == value.count && firstMoment.count == value.count
                     && secondMoment.count == value.count, "adamRows: sizes differ")
        value.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        slots.withUnsafeBufferPointer { slot in
                            parallelRanges(slot.count, work: w.count * 2) { range in
                                for row in range where slot[row] >= 0 {
                                    let r = Int(slot[row])
                                    precondition((r + 1) * columns <= g.count, "adamRows: gradient row \(r) out of range")
                                    for k in 0..<columns {
                                        adamElement(w, g, m, v, parameter: row * columns + k, gradient: r * columns + k, rule)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// One element of the ``AdamRule`` update.
    @inline(__always)
    private static func adamElement(_ w: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>,
                                    _ m: UnsafeMutableBufferPointer<Float>, _ v: UnsafeMutableBufferPointer<Float>,
                                    parameter i: Int, gradient j: Int, _ rule: AdamRule) {
        let gi = g[j] + rule.coupledDecay * w[i]
        let mi = rule.beta1 * m[i] + (1 - rule.beta1) * gi
        let vi = rule.beta2 * v[i] + (1 - rule.beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        w[i] = w[i] * rule.shrink - rule.stepSize * mi / (vi.squareRoot() * rule.inverseRootCorrection2 + rule.epsilon)
    }
}

extension CPUKernels {
    /// CP scores over gathered member rows stored as `p` blocks of `capacity` rows each
    /// (block `j` holds `G_j`): `scores[e] += Σ_k λ_k Π_j G_j[e, k] + μ` for `e < count`.
    static func cpForward(_ gathered: Matrix, order p: Int, capacity: Int, count: Int,
                          lambda: [Float], mu: Float, scores: inout [Float]) {
        let d = gathered.columns
        precondition(gathered.rows >= p * capacity && lambda.count == d && scores.count >= count, "cpForward: shapes")
        withForwardPointers(gathered, lambda, &scores) { g, l, s in
            let blockStride = capacity * d
            parallelRanges(count, work: count * d * p) { range in
                var product = [Float](repeating: 0, count: d)
                product.withUnsafeMutableBufferPointer { pp in
                    let prod = pp.baseAddress!
                    for e in range {
                        for k in 0..<d { prod[k] = l[k] }
                        for j in 0..<p {
                            let row = g + j * blockStride + e * d
                            for k in 0..<d { prod[k] *= row[k] }
                        }
                        var sum: Float = 0
                        for k in 0..<d { sum += prod[k] }
                        s[e] += sum + mu
                    }
                }
            }
        }
    }

    /// Runs a decoder's forward kernel on raw pointers to the gathered rows, its weights and the scores.
    @inline(__always)
    static func withForwardPointers(_ gathered: Matrix, _ weights: [Float], _ scores: inout [Float],
                                    _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        gathered.storage.withUnsafeBufferPointer { pg in
            weights.withUnsafeBufferPointer { pw in
                scores.withUnsafeMutableBufferPointer { ps in body(pg.baseAddress!, pw.baseAddress!, ps.baseAddress!) }
            }
        }
    }

    /// Runs a decoder's backward kernel on raw pointers to the gathered rows, their gradients, the
    /// decoder's weights and the score gradient.
    @inline(__always)
    static func withBackwardPointers(_ gathered: Matrix, _ gatheredGradients: inout Matrix, _ weights: [Float],
                                     _ scoreGradient: [Float],
                                     _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>,
                                              UnsafePointer<Float>) -> Void) {
        gathered.storage.withUnsafeBufferPointer { pg in
            gatheredGradients.storage.withUnsafeMutableBufferPointer { pdg in
                weights.withUnsafeBufferPointer { pw in
                    scoreGradient.withUnsafeBufferPointer { pgs in
                        body(pg.baseAddress!, pdg.baseAddress!, pw.baseAddress!, pgs.baseAddress!)
                    }
                }
            }
        }
    }

    /// `(Σ_j a_j, Σ_j a_j²)` over one coordinate of the `order` members, `a_j = first[j · stride]`.
    @inline(__always)
    static func memberSums(_ first: UnsafePointer<Float>, order: Int, stride: Int) -> (sum: Float, squares: Float) {
        var sum: Float = 0, squares: Float = 0
        for j in 0..<order {
            let a = first[j * stride]
            sum += a
            squares += a * a
        }
        return (sum, squares)
    }

    /// Adds the pairwise-interaction score `Σ_k ν_k Σ_{i<j} G_i[e,k] G_j[e,k]` of each hyperedge to
    /// `scores`, through `Σ_{i<j} a_i a_j = ((Σ a)² − Σ a²) / 2` (linear in the order, as in
    /// factorization machines).
    static func pairwiseForward(_ gathered: Matrix, order p: Int, capacity: Int, count: Int,
                                nu: [Float], scores: inout [Float]) {
        let d = gathered.columns
        precondition(gathered.rows >= p * capacity && nu.count == d && scores.count >= count, "pairwiseForward: shapes")
        withForwardPointers(gathered, nu, &scores) { g, n, s in
            let blockStride = capacity * d
            parallelRanges(count, work: count * d * p) { range in
                for e in range {
                    var total: Float = 0
                    for k in 0..<d {
                        let (sum, squares) = memberSums(g + e * d + k, order: p, stride: blockStride)
                        total += n[k] * (sum * sum - squares)
                    }
                    s[e] += 0.5 * total
                }
            }
        }
    }

    /// Runs `body(edges, accumulator)` over `0..<count` in fixed contiguous ranges, one per thread, each
    /// with its own `width`-wide double accumulator; the accumulators are added to `sums` in thread order
    /// afterwards, so the result depends only on the thread count, not on scheduling.
    static func perThreadSums(count: Int, work: Int, width: Int, into sums: inout [Double],
                              _ body: (Range<Int>, UnsafeMutablePointer<Double>) -> Void) {
        let threads = work >= parallelThreshold ? max(1, min(threadCount, 64)) : 1
        var partial = [Double](repeating: 0, count: threads * width)
        partial.withUnsafeMutableBufferPointer { pp in
            let part = pp.baseAddress!
            if threads == 1 {
                body(0..<count, part)
            } else {
                DispatchQueue.concurrentPerform(iterations: threads) { t in
                    body((count * t / threads)..<(count * (t + 1) / threads), part + t * width)
                }
            }
        }
        for t in 0..<threads { for k in 0..<width { sums[k] += partial[t * width + k] } }
    }

    /// Backward of ``pairwiseForward``: adds `∂G_j[e,k] = g_e ν_k (Σ_i G_i[e,k] − G_j[e,k])` to
    /// `gatheredGradients` and accumulates `∂ν_k = Σ_e g_e Σ_{i<j} G_i[e,k] G_j[e,k]` (double precision).
    static func pairwiseBackward(_ gathered: Matrix, order p: Int, capacity: Int, count: Int, nu: [Float],
                                 scoreGradient: [Float], gatheredGradients: inout Matrix, nuGradient: inout [Double]) {
        let d = gathered.columns
        precondition(gatheredGradients.rows == gathered.rows && gatheredGradients.columns == d && nuGradient.count == d,
                     "pairwiseBackward: shapes")
        withBackwardPointers(gathered, &gatheredGradients, nu, scoreGradient) { g, dg, n, gs in
            let blockStride = capacity * d
            perThreadSums(count: count, work: count * d * p, width: d, into: &nuGradient) { edges, accumulator in
                for e in edges {
                    let ge = gs[e]
                    for k in 0..<d {
                        let (sum, squares) = memberSums(g + e * d + k, order: p, stride: blockStride)
                        accumulator[k] += Double(ge * 0.5 * (sum * sum - squares))
                        let scale = ge * n[k]
                        for j in 0..<p {
                            let index = j * blockStride + e * d + k
                            dg[index] += scale * (sum - g[index])
                        }
                    }
                }
            }
        }
    }

    /// Backward of ``cpForward``: writes `∂G_j[e,k] = g_e λ_k Π_{i≠j} G_i[e,k]` into the same block
    /// layout of `gatheredGradients` (overwriting), and accumulates `∂λ` (double precision).
    static func cpBackward(_ gathered: Matrix, order p: Int, capacity: Int, count: Int, lambda: [Float],
                           scoreGradient: [Float], gatheredGradients: inout Matrix, lambdaGradient: inout [Double]) {
        let d = gathered.columns
        precondition(gatheredGradients.rows == gathered.rows && gatheredGradients.columns == d, "cpBackward: shapes")
        withBackwardPointers(gathered, &gatheredGradients, lambda, scoreGradient) { g, dg, l, gs in
            let blockStride = capacity * d
            perThreadSums(count: count, work: count * d * p, width: d, into: &lambdaGradient) { edges, accumulator in
                let pre = UnsafeMutablePointer<Float>.allocate(capacity: (p + 1) * d)
                defer { pre.deallocate() }
                for e in edges {
                    let ge = gs[e]
                    for k in 0..<d { pre[k] = 1 }
                    for j in 0..<p {
                        let row = g + j * blockStride + e * d
                        let previous = pre + j * d, next = pre + (j + 1) * d
                        for k in 0..<d { next[k] = previous[k] * row[k] }
                    }
                    // `running` starts as g·λ and picks up one member per step from the
                    // last, giving the suffix products without division.
                    let running = pre + p * d
                    for k in 0..<d {
                        accumulator[k] += Double(ge * running[k])
                        running[k] = ge * l[k]
                    }
                    for j in stride(from: p - 1, through: 0, by: -1) {
                        let out = dg + j * blockStride + e * d
                        let previous = pre + j * d
                        let row = g + j * blockStride + e * d
                        for k in 0..<d {
                            out[k] = running[k] * previous[k]
                            running[k] *= row[k]
                        }
                    }
                }
            }
        }
    }
}

extension CPUKernels {
    /// For the first `count` rows of each of `blocks` blocks of `capacity` rows: adds `2w·x` to the
    /// gradient and returns `w Σ ‖x‖²` (an L2 penalty on gathered rows).
    static func addL2Penalty(_ x: Matrix, blocks: Int, capacity: Int, count: Int, weight: Float,
                             gradient: inout Matrix) -> Double {
        let d = x.columns
        precondition(gradient.rows == x.rows && gradient.columns == d && count <= capacity, "addL2Penalty: shapes")
        var sum = 0.0
        x.storage.withUnsafeBufferPointer { px in
            gradient.storage.withUnsafeMutableBufferPointer { pg in
                for b in 0..<blocks {
                    let base = b * capacity * d
                    for i in base..<(base + count * d) {
                        sum += Double(px[i] * px[i])
                        pg[i] += 2 * weight * px[i]
                    }
                }
            }
        }
        return Double(weight) * sum
    }
}
