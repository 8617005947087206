/// The operations a training step needs, on one device's memory: the device abstraction that the
/// ``DeviceTrainingEngine`` is written against.
///
/// ``HostOperations`` implements it on ``Matrix`` (the CPU) and ``CUDABackend`` on ``CUDAMatrix``.
/// Matrices are row-major `Float`; index vectors hold `Int32` row numbers; operations that write take
/// their output `inout` (a CUDA matrix is a handle, so for it the write goes to device memory).
/// Every operation may throw: a device reports launch failures and out-of-memory as errors.
public protocol DeviceOperations {
    associatedtype Tensor
    associatedtype SparseTensor
    associatedtype IndexVector

    /// The device, in words (`"cpu"`, `"cuda:0 (NVIDIA H100 …)"`).
    var deviceDescription: String { get }
    /// Whether `other`'s tensors live in the same memory as this one's (then nothing needs copying
    /// between them).
    func sharesMemory(with other: Self) -> Bool

    func upload(_ matrix: Matrix) throws -> Tensor
    func upload(_ matrix: SparseMatrix) throws -> SparseTensor
    func upload(_ indices: [Int32]) throws -> IndexVector
    /// Copies `tensor` back to the host (waits for queued work).
    func download(_ tensor: Tensor) throws -> Matrix
    /// A zero-filled `rows × columns` matrix.
    func zeros(rows: Int, columns: Int) throws -> Tensor
    func zero(_ x: inout Tensor) throws

    /// `C ← alpha · op(A) · op(B) + beta · C`.
    func gemm(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
              into c: inout Tensor) throws
    /// `C ← alpha · A · B + beta · C` for a sparse `A`.
    func spmm(_ a: SparseTensor, _ b: Tensor, alpha: Float, beta: Float, into c: inout Tensor) throws
    /// `y ← y + alpha · x`.
    func axpy(_ alpha: Float, _ x: Tensor, _ y: inout Tensor) throws
    /// `x ← alpha · x`.
    func scale(_ x: inout Tensor, by alpha: Float) throws
    /// `x[i, :] ← x[i, :] + bias` for a `1 × columns` bias.
    func addBias(_ bias: Tensor, to x: inout Tensor) throws
    /// `sums ← sums + Σ_i x[i, :]` (a `1 × columns` accumulator).
    func accumulateColumnSums(_ x: Tensor, into sums: inout Tensor) throws

    /// `max(x, 0) ⊙ mask` in a new matrix (plain ReLU without a mask).
    func reluDropout(_ x: Tensor, mask: DropoutMask?) throws -> Tensor
    /// `upstream ⊙ mask ⊙ [preActivation > 0]` in a new matrix.
    func reluDropoutBackward(preActivation: Tensor, upstream: Tensor, mask: DropoutMask?) throws -> Tensor

    /// `D[r, :] = S[indices[r], :]` in a new matrix.
    func gatherRows(_ source: Tensor, _ indices: IndexVector) throws -> Tensor
    /// `D[indices[r], :] += S[r, :]`.
    func scatterAddRows(_ source: Tensor, _ indices: IndexVector, into destination: inout Tensor) throws

    /// CP scores `s[e] = Σ_k λ_k Π_j Z_j[members[e·p + j], k] + μ` as an `E × 1` matrix.
    func cpScore(factors: [Tensor], members: IndexVector, lambda: Tensor, mu: Tensor) throws -> Tensor
    /// The CP gradient rows, one `E × d` matrix per factor (see ``CUDABackend/cpGradient(factors:members:lambda:upstream:lambdaGradient:)``),
    /// adding `Σ_e g_e Π_j Z_j[…]` to `lambdaGradient`.
    func cpGradient(factors: [Tensor], members: IndexVector, lambda: Tensor, upstream: Tensor,
                    lambdaGradient: inout Tensor) throws -> [Tensor]

    /// Pairwise-interaction scores `s[e] = Σ_k ν_k Σ_{j<l} Z_j[i_j, k] Z_l[i_l, k]` as an `E × 1` matrix (``PairwiseDecoder``).
    func pairwiseScore(factors: [Tensor], members: IndexVector, nu: Tensor) throws -> Tensor
    /// The pairwise gradient rows, one `E × d` matrix per factor, `g_e ν ⊙ (Σ_l Z_l[i_l] − Z_j[i_j])`,
    /// adding `Σ_e g_e Σ_{j<l} Z_j[i_j] ⊙ Z_l[i_l]` to `nuGradient`.
    func pairwiseGradient(factors: [Tensor], members: IndexVector, nu: Tensor, upstream: Tensor,
                          nuGradient: inout Tensor) throws -> [Tensor]

    /// Logistic loss of `E × 1` scores whose first `positives` rows are positives and the rest negatives:
    /// `gradient[e] = (σ(s_e) − y_e) / normalizer`, and `loss[0] += lossScale · Σ_e softplus(∓s_e)`.
    func logisticLoss(scores: Tensor, positives: Int, normalizer: Float, lossScale: Float,
                      gradient: inout Tensor, loss: inout Tensor) throws
    /// Squared error: `gradient[e] = 2 (s_e − y_e) / normalizer`, `loss[0] += lossScale · Σ_e (s_e − y_e)²`.
    func squaredErrorLoss(scores: Tensor, targets: Tensor, normalizer: Float, lossScale: Float,
                          gradient: inout Tensor, loss: inout Tensor) throws

    /// One Adam/AdamW update in place, exactly as ``Adam/update(_:)`` computes it.
    func adamStep(parameter: inout Tensor, gradient: Tensor, firstMoment: inout Tensor, secondMoment: inout Tensor,
                  rule: AdamRule) throws
}

/// The constants of one Adam/AdamW step for every parameter (bias corrections folded in), so that
/// every backend evaluates the same expression:
/// `g' = g + coupledDecay · w`, `m = β₁m + (1−β₁)g'`, `v = β₂v + (1−β₂)g'²`,
/// `w = w · shrink − stepSize · m / (√v · inverseRootCorrection2 + ε)`.
public struct AdamRule: Sendable, Equatable {
    public var stepSize: Float
    public var inverseRootCorrection2: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var shrink: Float
    public var coupledDecay: Float

    /// The rule of `optimizer`'s current step (after ``Adam/advance()``).
    public init(_ optimizer: Adam) {
        let correction1 = 1 - Float.pow(optimizer.beta1, optimizer.step)
        let correction2 = 1 - Float.pow(optimizer.beta2, optimizer.step)
        stepSize = optimizer.learningRate / correction1
        inverseRootCorrection2 = 1 / correction2.squareRoot()
        beta1 = optimizer.beta1
        beta2 = optimizer.beta2
        epsilon = optimizer.epsilon
        shrink = optimizer.decoupled ? 1 - optimizer.learningRate * optimizer.weightDecay : 1
        coupledDecay = optimizer.decoupled ? 0 : optimizer.weightDecay
    }
}
