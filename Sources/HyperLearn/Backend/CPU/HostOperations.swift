/// ``DeviceOperations`` on the CPU: host ``Matrix`` values and the BLAS-backed ``CPUKernels``.
///
/// The ``Trainer``'s own CPU path is a fused, chunked implementation of the same step; this
/// conformance runs the device engine on the host, so the engine's logic is checked against that
/// path on any machine (and the CUDA engine against the CPU op by op).
public struct HostOperations: DeviceOperations {
    /// Which simulated device this is: instances with different spaces act as separate devices, so
    /// that the sharded engine's transfers run (as copies) in tests on the CPU.
    public let space: Int

    public init(space: Int = 0) { self.space = space }

    public var deviceDescription: String { space == 0 ? "cpu" : "cpu (space \(space))" }
    public func sharesMemory(with other: HostOperations) -> Bool { space == other.space }

    public func upload(_ matrix: Matrix) -> Matrix { matrix }
    public func upload(_ matrix: SparseMatrix) -> SparseMatrix { matrix }
    public func upload(_ indices: [Int32]) -> [Int32] { indices }
    public func download(_ tensor: Matrix) -> Matrix { tensor }
    public func zeros(rows: Int, columns: Int) -> Matrix { Matrix(rows: rows, columns: columns) }
    public func zero(_ x: inout Matrix) { x.fill(0) }

    public func gemm(_ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
                     into c: inout Matrix) {
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
    }

    public func spmm(_ a: SparseMatrix, _ b: Matrix, alpha: Float, beta: Float, into c: inout Matrix) {
        if alpha == 1 {
            CPUKernels.spmm(a, b, beta: beta, into: &c)
        } else {
            let product = a.uncheckedMultiply(b)
            c.scale(by: beta)
            c.uncheckedAdd(product, scaledBy: alpha)
        }
    }

    public func axpy(_ alpha: Float, _ x: Matrix, _ y: inout Matrix) { y.uncheckedAdd(x, scaledBy: alpha) }
    public func scale(_ x: inout Matrix, by alpha: Float) { x.scale(by: alpha) }
    public func addBias(_ bias: Matrix, to x: inout Matrix) { x.uncheckedAddRowVector(bias) }
    public func accumulateColumnSums(_ x: Matrix, into sums: inout Matrix) { CPUKernels.accumulateColumnSums(x, into: &sums) }

    public func reluDropout(_ x: Matrix, mask: DropoutMask?) -> Matrix {
        ReLUDropout.forward(x, mask: mask?.factors(count: x.storage.count))
    }

    public func reluDropoutBackward(preActivation: Matrix, upstream: Matrix, mask: DropoutMask?) -> Matrix {
        ReLUDropout.backward(preActivation: preActivation, outputGradient: upstream,
                             mask: mask?.factors(count: upstream.storage.count))
    }

    public func gatherRows(_ source: Matrix, _ indices: [Int32]) throws -> Matrix { try source.gatherRows(indices) }

    public func scatterAddRows(_ source: Matrix, _ indices: [Int32], into destination: inout Matrix) throws {
        try destination.scatterAddRows(source, at: indices)
    }

    public func cpScore(factors: [Matrix], members: [Int32], lambda: Matrix, mu: Matrix) -> Matrix {
        decoderScores(factors, members) { gathered, scores in
            CPUKernels.cpForward(gathered.rows, order: gathered.order, capacity: gathered.capacity, count: gathered.capacity,
                                 lambda: lambda.storage, mu: mu.storage[0], scores: &scores)
        }
    }

    public func cpGradient(factors: [Matrix], members: [Int32], lambda: Matrix, upstream: Matrix,
                           lambdaGradient: inout Matrix) -> [Matrix] {
        decoderGradientRows(factors, members, weightGradient: &lambdaGradient) { gathered, rows, sums in
            CPUKernels.cpBackward(gathered.rows, order: gathered.order, capacity: gathered.capacity, count: gathered.capacity,
                                  lambda: lambda.storage, scoreGradient: upstream.storage, gatheredGradients: &rows,
                                  lambdaGradient: &sums)
        }
    }

    public func pairwiseScore(factors: [Matrix], members: [Int32], nu: Matrix) -> Matrix {
        decoderScores(factors, members) { gathered, scores in
            CPUKernels.pairwiseForward(gathered.rows, order: gathered.order, capacity: gathered.capacity,
                                       count: gathered.capacity, nu: nu.storage, scores: &scores)
        }
    }

    public func pairwiseGradient(factors: [Matrix], members: [Int32], nu: Matrix, upstream: Matrix,
                                 nuGradient: inout Matrix) -> [Matrix] {
        decoderGradientRows(factors, members, weightGradient: &nuGradient) { gathered, rows, sums in
            CPUKernels.pairwiseBackward(gathered.rows, order: gathered.order, capacity: gathered.capacity,
                                        count: gathered.capacity, nu: nu.storage, scoreGradient: upstream.storage,
                                        gatheredGradients: &rows, nuGradient: &sums)
        }
    }

    /// An `E × 1` score matrix from a decoder kernel that adds into zeroed scores of the gathered rows.
    private func decoderScores(_ factors: [Matrix], _ members: [Int32],
                               _ kernel: (GatheredRows, inout [Float]) -> Void) -> Matrix {
        let gathered = gather(factors, members: members)
        var scores = [Float](repeating: 0, count: gathered.capacity)
        kernel(gathered, &scores)
        return Matrix(rows: scores.count, columns: 1, uncheckedStorage: scores)
    }

    /// One gradient-row matrix per factor from a decoder kernel that fills zeroed rows and accumulates its
    /// weights' gradient in double precision; the sums are then added to `weightGradient`.
    private func decoderGradientRows(_ factors: [Matrix], _ members: [Int32], weightGradient: inout Matrix,
                                     _ kernel: (GatheredRows, inout Matrix, inout [Double]) -> Void) -> [Matrix] {
        let gathered = gather(factors, members: members)
        var rows = GatheredRows(order: gathered.order, capacity: gathered.capacity, dimensions: gathered.dimensions)
        var sums = [Double](repeating: 0, count: weightGradient.storage.count)
        kernel(gathered, &rows.rows, &sums)
        for k in sums.indices { weightGradient.storage[k] += Float(sums[k]) }
        return (0..<gathered.order).map { rows.member($0, count: gathered.capacity) }
    }

    /// The member rows of every hyperedge, block `j` from factor `j`.
    private func gather(_ factors: [Matrix], members: [Int32]) -> GatheredRows {
        let p = factors.count
        var gathered = GatheredRows(order: p, capacity: members.count / max(p, 1), dimensions: factors.first?.columns ?? 0)
        for (j, factor) in factors.enumerated() {
            CPUKernels.gatherRows(factor, indices: members, stride: p, offset: j, range: 0..<gathered.capacity,
                                  into: &gathered.rows, outputRow: j * gathered.capacity)
        }
        return gathered
    }

    public func logisticLoss(scores: Matrix, positives: Int, normalizer: Float, lossScale: Float,
                             gradient: inout Matrix, loss: inout Matrix) {
        let s = scores.storage
        var total = 0.0
        var part = [Float](repeating: 0, count: s.count)
        total += HyperLearn.logisticLoss(scores: s[0..<positives], label: true, normalizer: 1, gradient: &part)
        for e in 0..<positives { gradient.storage[e] = part[e] / normalizer }
        total += HyperLearn.logisticLoss(scores: s[positives...], label: false, normalizer: 1, gradient: &part)
        for e in positives..<s.count { gradient.storage[e] = part[e - positives] / normalizer }
        loss.storage[0] += Float(total) * lossScale
    }

    public func squaredErrorLoss(scores: Matrix, targets: Matrix, normalizer: Float, lossScale: Float,
                                 gradient: inout Matrix, loss: inout Matrix) {
        let total = HyperLearn.squaredErrorLoss(scores: scores.storage[...], targets: targets.storage[...],
                                                normalizer: normalizer, gradient: &gradient.storage)
        loss.storage[0] += Float(total * Double(normalizer)) * lossScale
    }

    public func adamStep(parameter: inout Matrix, gradient: Matrix, firstMoment: inout Matrix,
                         secondMoment: inout Matrix, rule: AdamRule) {
        CPUKernels.adam(value: &parameter.storage, gradient: gradient.storage, firstMoment: &firstMoment.storage,
                        secondMoment: &secondMoment.storage, rule: rule)
    }
}
