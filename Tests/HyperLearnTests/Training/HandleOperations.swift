@testable import HyperLearn

/// ``DeviceOperations`` with the memory semantics of a GPU on the CPU: a tensor is a handle to shared
/// storage (a class), and operations write through the handle, as ``CUDABackend`` does with device
/// buffers. Running the device engine on it catches aliasing mistakes (a write through one handle
/// seen through another) that value-typed ``HostOperations`` would hide.
struct HandleOperations: DeviceOperations {
    final class Handle {
        var matrix: Matrix
        init(_ matrix: Matrix) { self.matrix = matrix }
    }

    let host = HostOperations()
    /// Like ``HostOperations/space``: handles of different spaces count as different devices.
    let space: Int

    init(space: Int = 0) { self.space = space }

    var deviceDescription: String { "handles (space \(space))" }
    func sharesMemory(with other: HandleOperations) -> Bool { space == other.space }

    func upload(_ matrix: Matrix) -> Handle { Handle(matrix) }
    func upload(_ matrix: SparseMatrix) -> SparseMatrix { matrix }
    func upload(_ indices: [Int32]) -> [Int32] { indices }
    func download(_ tensor: Handle) -> Matrix { tensor.matrix }
    func zeros(rows: Int, columns: Int) -> Handle { Handle(Matrix(rows: rows, columns: columns)) }
    // Every write goes through the handle; the `inout` parameter itself is never reassigned.
    func zero(_ x: inout Handle) { x.matrix.fill(0) }

    func gemm(_ a: Handle, _ b: Handle, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
              into c: inout Handle) {
        host.gemm(a.matrix, b.matrix, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: &c.matrix)
    }
    func spmm(_ a: SparseMatrix, _ b: Handle, alpha: Float, beta: Float, into c: inout Handle) {
        host.spmm(a, b.matrix, alpha: alpha, beta: beta, into: &c.matrix)
    }
    func axpy(_ alpha: Float, _ x: Handle, _ y: inout Handle) { host.axpy(alpha, x.matrix, &y.matrix) }
    func scale(_ x: inout Handle, by alpha: Float) { host.scale(&x.matrix, by: alpha) }
    func addBias(_ bias: Handle, to x: inout Handle) { host.addBias(bias.matrix, to: &x.matrix) }
    func accumulateColumnSums(_ x: Handle, into sums: inout Handle) { host.accumulateColumnSums(x.matrix, into: &sums.matrix) }
    func reluDropout(_ x: Handle, mask: DropoutMask?) -> Handle { Handle(host.reluDropout(x.matrix, mask: mask)) }
    func reluDropoutBackward(preActivation: Handle, upstream: Handle, mask: DropoutMask?) -> Handle {
        Handle(host.reluDropoutBackward(preActivation: preActivation.matrix, upstream: upstream.matrix, mask: mask))
    }
    func gatherRows(_ source: Handle, _ indices: [Int32]) throws -> Handle { Handle(try host.gatherRows(source.matrix, indices)) }
    func scatterAddRows(_ source: Handle, _ indices: [Int32], into destination: inout Handle) throws {
        try host.scatterAddRows(source.matrix, indices, into: &destination.matrix)
    }
    func cpScore(factors: [Handle], members: [Int32], lambda: Handle, mu: Handle) -> Handle {
        Handle(host.cpScore(factors: factors.map(\.matrix), members: members, lambda: lambda.matrix, mu: mu.matrix))
    }
    func cpGradient(factors: [Handle], members: [Int32], lambda: Handle, upstream: Handle,
                    lambdaGradient: inout Handle) -> [Handle] {
        host.cpGradient(factors: factors.map(\.matrix), members: members, lambda: lambda.matrix, upstream: upstream.matrix,
                        lambdaGradient: &lambdaGradient.matrix).map(Handle.init)
    }
    func pairwiseScore(factors: [Handle], members: [Int32], nu: Handle) -> Handle {
        Handle(host.pairwiseScore(factors: factors.map(\.matrix), members: members, nu: nu.matrix))
    }
    func pairwiseGradient(factors: [Handle], members: [Int32], nu: Handle, upstream: Handle,
                          nuGradient: inout Handle) -> [Handle] {
        host.pairwiseGradient(factors: factors.map(\.matrix), members: members, nu: nu.matrix, upstream: upstream.matrix,
                              nuGradient: &nuGradient.matrix).map(Handle.init)
    }
    func logisticLoss(scores: Handle, positives: Int, normalizer: Float, lossScale: Float,
                      gradient: inout Handle, loss: inout Handle) {
        host.logisticLoss(scores: scores.matrix, positives: positives, normalizer: normalizer, lossScale: lossScale,
                          gradient: &gradient.matrix, loss: &loss.matrix)
    }
    func squaredErrorLoss(scores: Handle, targets: Handle, normalizer: Float, lossScale: Float,
                          gradient: inout Handle, loss: inout Handle) {
        host.squaredErrorLoss(scores: scores.matrix, targets: targets.matrix, normalizer: normalizer, lossScale: lossScale,
                              gradient: &gradient.matrix, loss: &loss.matrix)
    }
    func adamStep(parameter: inout Handle, gradient: Handle, firstMoment: inout Handle, secondMoment: inout Handle,
                  rule: AdamRule) {
        host.adamStep(parameter: &parameter.matrix, gradient: gradient.matrix, firstMoment: &firstMoment.matrix,
                      secondMoment: &secondMoment.matrix, rule: rule)
    }
}
