@testable import HyperLearn

/// ``TensorOperations`` with the memory semantics of a GPU on the CPU: a tensor is a handle to shared
/// storage (a class), and operations write through the handle, as ``CUDABackend`` does with device
/// buffers. Running the device engine on it catches aliasing mistakes (a write through one handle
/// seen through another) that value-typed ``CPUOperations`` would hide.
struct HandleOperations: TensorOperations {
    final class Handle {
        var matrix: Matrix
        init(_ matrix: Matrix) { self.matrix = matrix }
    }

    let host = CPUOperations()
    /// Like ``CPUOperations/space``: handles of different spaces count as different devices.
    let space: Int

    init(space: Int = 0) { self.space = space }

    var deviceDescription: String { "handles (space \(space))" }
    func sharesMemory(with other: HandleOperations) -> Bool { space == other.space }

    func upload(_ matrix: Matrix) throws -> Handle { Handle(matrix) }
    func upload(_ matrix: SparseMatrix) -> SparseMatrix { matrix }
    func upload(_ indices: [Int32]) -> [Int32] { indices }
    func download(_ tensor: Handle) throws -> Matrix { tensor.matrix }
    func zeros(rows: Int, columns: Int) throws -> Handle { Handle(Matrix(rows: rows, columns: columns)) }
    // Every write goes through the handle; the `inout` parameter itself is never reassigned.
    func zero(_ x: inout Handle) throws { x.matrix.fill(0) }
    func reshape(_ x: inout Handle, rows: Int, columns: Int) throws { try host.reshape(&x.matrix, rows: rows, columns: columns) }

    func gemm(_ a: Handle, _ b: Handle, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
              into c: inout Handle) throws {
        try host.gemm(a.matrix, b.matrix, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: &c.matrix)
    }
    func spmm(_ a: SparseMatrix, _ b: Handle, alpha: Float, beta: Float, into c: inout Handle) throws {
        try host.spmm(a, b.matrix, alpha: alpha, beta: beta, into: &c.matrix)
    }
    func axpy(_ alpha: Float, _ x: Handle, _ y: inout Handle) throws { try host.axpy(alpha, x.matrix, &y.matrix) }
    func scale(_ x: inout Handle, by alpha: Float) throws { host.scale(&x.matrix, by: alpha) }
    func addBias(_ bias: Handle, to x: inout Handle) throws { try host.addBias(bias.matrix, to: &x.matrix) }
    func accumulateColumnSums(_ x: Handle, into sums: inout Handle) throws { try host.accumulateColumnSums(x.matrix, into: &sums.matrix) }
    func reluDropout(_ x: inout Handle, mask: DropoutMask?) throws { host.reluDropout(&x.matrix, mask: mask) }
    func reluDropoutBackward(output: Handle, gradient: inout Handle, mask: DropoutMask?) throws {
        try host.reluDropoutBackward(output: output.matrix, gradient: &gradient.matrix, mask: mask)
    }
    func accumulateDot(_ x: Handle, _ y: Handle, scale: Float, into loss: inout Handle) throws {
        try host.accumulateDot(x.matrix, y.matrix, scale: scale, into: &loss.matrix)
    }
    func gatherRows(_ source: Handle, _ indices: [Int32], into destination: inout Handle, atRow row: Int) throws {
        try host.gatherRows(source.matrix, indices, into: &destination.matrix, atRow: row)
    }
    func scatterAddRows(_ source: Handle, fromRow row: Int, _ indices: [Int32], into destination: inout Handle) throws {
        try host.scatterAddRows(source.matrix, fromRow: row, indices, into: &destination.matrix)
    }
    func copyRows(_ source: Handle, into destination: inout Handle, atRow row: Int) throws {
        try host.copyRows(source.matrix, into: &destination.matrix, atRow: row)
    }
    func addMemberSums(_ blocks: Handle, order: Int, to scores: inout Handle) throws {
        try host.addMemberSums(blocks.matrix, order: order, to: &scores.matrix)
    }
    func addCPScores(_ gathered: Handle, order: Int, lambda: Handle, mu: Handle, to scores: inout Handle) throws {
        try host.addCPScores(gathered.matrix, order: order, lambda: lambda.matrix, mu: mu.matrix, to: &scores.matrix)
    }
    func cpGradient(_ gathered: Handle, order: Int, lambda: Handle, upstream: Handle, into gradients: inout Handle,
                    lambdaGradient: inout Handle) throws {
        try host.cpGradient(gathered.matrix, order: order, lambda: lambda.matrix, upstream: upstream.matrix,
                        into: &gradients.matrix, lambdaGradient: &lambdaGradient.matrix)
    }
    func addPairwiseScores(_ gathered: Handle, order: Int, nu: Handle, to scores: inout Handle) throws {
        try host.addPairwiseScores(gathered.matrix, order: order, nu: nu.matrix, to: &scores.matrix)
    }
    func pairwiseGradient(_ gathered: Handle, order: Int, nu: Handle, upstream: Handle, addingTo gradients: inout Handle,
                          nuGradient: inout Handle) throws {
        try host.pairwiseGradient(gathered.matrix, order: order, nu: nu.matrix, upstream: upstream.matrix,
                              addingTo: &gradients.matrix, nuGradient: &nuGradient.matrix)
    }
    func concatenateMembers(_ gathered: Handle, order: Int) throws -> Handle {
        Handle(try host.concatenateMembers(gathered.matrix, order: order))
    }
    func addSplitMembers(_ concatenated: Handle, order: Int, to gradients: inout Handle) throws {
        try host.addSplitMembers(concatenated.matrix, order: order, to: &gradients.matrix)
    }
    func tanh(_ x: Handle) throws -> Handle { Handle(host.tanh(x.matrix)) }
    func tanhBackward(output: Handle, upstream: Handle) throws -> Handle {
        Handle(try host.tanhBackward(output: output.matrix, upstream: upstream.matrix))
    }
    func multiply(_ x: Handle, _ y: Handle) throws -> Handle { Handle(try host.multiply(x.matrix, y.matrix)) }
    func memberAttention(queries: Handle, keys: Handle, values: Handle, order: Int, heads: Int) throws -> (output: Handle, weights: Handle) {
        let (output, weights) = try host.memberAttention(queries: queries.matrix, keys: keys.matrix, values: values.matrix,
                                                         order: order, heads: heads)
        return (Handle(output), Handle(weights))
    }
    func memberAttentionBackward(queries: Handle, keys: Handle, values: Handle, weights: Handle, upstream: Handle,
                                 order: Int, heads: Int) throws -> (queries: Handle, keys: Handle, values: Handle) {
        let (q, k, v) = try host.memberAttentionBackward(queries: queries.matrix, keys: keys.matrix, values: values.matrix,
                                                         weights: weights.matrix, upstream: upstream.matrix, order: order, heads: heads)
        return (Handle(q), Handle(k), Handle(v))
    }
    func logisticLoss(scores: Handle, positives: Int, normalizer: Float, lossScale: Float,
                      gradient: inout Handle, loss: inout Handle) throws {
        try host.logisticLoss(scores: scores.matrix, positives: positives, normalizer: normalizer, lossScale: lossScale,
                          gradient: &gradient.matrix, loss: &loss.matrix)
    }
    func squaredErrorLoss(scores: Handle, targets: Handle, normalizer: Float, lossScale: Float,
                          gradient: inout Handle, loss: inout Handle) throws {
        try host.squaredErrorLoss(scores: scores.matrix, targets: targets.matrix, normalizer: normalizer, lossScale: lossScale,
                              gradient: &gradient.matrix, loss: &loss.matrix)
    }
    func adamStep(parameter: inout Handle, gradient: Handle, firstMoment: inout Handle, secondMoment: inout Handle,
                  rule: AdamRule) throws {
        try host.adamStep(parameter: &parameter.matrix, gradient: gradient.matrix, firstMoment: &firstMoment.matrix,
                      secondMoment: &secondMoment.matrix, rule: rule)
    }
    func adamStepRows(parameter: inout Handle, gradient: Handle, rows: [Int32], firstMoment: inout Handle,
                      secondMoment: inout Handle, rule: AdamRule) throws {
        try host.adamStepRows(parameter: &parameter.matrix, gradient: gradient.matrix, rows: rows,
                              firstMoment: &firstMoment.matrix, secondMoment: &secondMoment.matrix, rule: rule)
    }
}
