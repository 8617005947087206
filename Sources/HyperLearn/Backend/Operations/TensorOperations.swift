/// The operations a training step needs, on one device's memory: the one abstraction the
/// ``TrainingEngine`` is written against, so that a step exists once for every device.
///
/// ``CPUOperations`` implements it on ``Matrix`` with the BLAS-backed CPU kernels, and
/// ``CUDABackend`` on ``CUDAMatrix`` with cuBLAS and NVRTC kernels. Matrices are row-major `Float`;
/// index vectors hold `Int32` row numbers; operations that write take their output `inout` (a CUDA
/// matrix is a handle, so for it the write goes to device memory). Every operation may throw: a device
/// reports launch failures and out-of-memory as errors.
///
/// The decoder operations read **member blocks**: a `(p·E) × d` matrix whose block `j` (rows
/// `j·E ..< (j+1)·E`) holds member `j`'s gathered rows of `E` hyperedges (docs/architecture.md).
public protocol TensorOperations {
    associatedtype Tensor
    associatedtype SparseTensor
    associatedtype IndexVector

    /// The device, in words (`"cpu"`, `"cuda:0 (NVIDIA H100 …)"`).
    var deviceDescription: String { get }
    /// Whether `other`'s tensors live in the same memory as this one's (then nothing needs copying
    /// between them).
    func sharesMemory(with other: Self) -> Bool
    /// `body(s)` for every shard `s < count` whose encoders live in this device's memory, in shard
    /// order of the results. The CPU runs them concurrently, each with its share of the threads; a
    /// device with asynchronous queues overlaps them by itself, so its default runs them in turn.
    func mapShards<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T]

    func upload(_ matrix: Matrix) throws -> Tensor
    func upload(_ matrix: SparseMatrix) throws -> SparseTensor
    func upload(_ indices: [Int32]) throws -> IndexVector
    /// Copies `tensor` back to the host (waits for queued work).
    func download(_ tensor: Tensor) throws -> Matrix
    /// A zero-filled `rows × columns` matrix.
    func zeros(rows: Int, columns: Int) throws -> Tensor
    func zero(_ x: inout Tensor) throws
    /// Gives `x` the shape `rows × columns` inside the storage it was allocated with (`rows · columns`
    /// must not exceed that), without allocating; the contents are unspecified. Workspaces take the
    /// shape of each chunk this way.
    func reshape(_ x: inout Tensor, rows: Int, columns: Int) throws

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
    /// `loss[0] ← loss[0] + scale · ⟨x, y⟩` (Frobenius inner product: the smoothness and L2 terms).
    func accumulateDot(_ x: Tensor, _ y: Tensor, scale: Float, into loss: inout Tensor) throws

    /// `x ← max(x, 0) ⊙ mask`, in place (plain ReLU without a mask): a layer's pre-activation becomes
    /// its output, with no second matrix.
    func reluDropout(_ x: inout Tensor, mask: DropoutMask?) throws
    /// `gradient ← gradient ⊙ mask ⊙ [output > 0]`, in place, from the forward's `output` (its input
    /// gives the same result: both are positive exactly where the gradient passes).
    func reluDropoutBackward(output: Tensor, gradient: inout Tensor, mask: DropoutMask?) throws
    /// A convolution's input gradient through its ReLU and dropout, written over the activation:
    /// `activation ← (∂T Wᵀ + ∂Y W_rootᵀ) ⊙ mask ⊙ [activation > 0]`, for `∂T` (`rows × o`) and
    /// `W` (`columns × o`), and a root weight's `∂Y` and `W_root` on the same rows. After the layer's
    /// weight gradients the activation is needed only for where it is positive, so the result may
    /// take its place; a backend that computes it in row blocks never holds a second matrix of the
    /// activation's size (`rows × columns`).
    func reluDropoutBackwardProduct(_ dt: Tensor, weight: Tensor, root: (upstream: Tensor, weight: Tensor)?,
                                    mask: DropoutMask?, rows: Int, columns: Int, activation: inout Tensor) throws

    /// `D[row + r, :] = S[indices[r], :]` for every index (writes rows `row ..< row + indices.count`).
    func gatherRows(_ source: Tensor, _ indices: IndexVector, into destination: inout Tensor, atRow row: Int) throws
    /// `D[indices[r], :] += S[row + r, :]` for every index.
    func scatterAddRows(_ source: Tensor, fromRow row: Int, _ indices: IndexVector, into destination: inout Tensor) throws
    /// ``scatterAddRows(_:fromRow:_:into:)`` for several blocks of `source` at once: block `b` (rows
    /// `fromRows[b] ..< fromRows[b] + indices[b].count`) is added into `destinations[targets[b]]`. Blocks
    /// with the same destination are added in block order; different destinations may be written
    /// concurrently (the CPU does), so the result equals the calls made one by one.
    func scatterAddRowBlocks(_ source: Tensor, fromRows: [Int], _ indices: [IndexVector], targets: [Int],
                             into destinations: inout [Tensor]) throws
    /// `D[row ..< row + S.rows, :] = S` (assembling member blocks gathered on another device).
    func copyRows(_ source: Tensor, into destination: inout Tensor, atRow row: Int) throws

    /// `scores[e] += Σ_j blocks[j·E + e, 0]` over `order` blocks of `E × 1` (the members' item biases).
    func addMemberSums(_ blocks: Tensor, order: Int, to scores: inout Tensor) throws
    /// CP scores added to the `E × 1` `scores`: `s[e] += Σ_k λ_k Π_j G_j[e, k] + μ` (``CPDecoder``).
    func addCPScores(_ gathered: Tensor, order: Int, lambda: Tensor, mu: Tensor, to scores: inout Tensor) throws
    /// Writes `∂G_j[e, k] = g_e λ_k Π_{i≠j} G_i[e, k]` into `gradients` (same block layout, overwritten)
    /// and adds `Σ_e g_e Π_j G_j[e, k]` to `lambdaGradient`.
    func cpGradient(_ gathered: Tensor, order: Int, lambda: Tensor, upstream: Tensor,
                    into gradients: inout Tensor, lambdaGradient: inout Tensor) throws
    /// Pairwise-interaction scores added to `scores`: `s[e] += Σ_k ν_k Σ_{j<l} G_j[e, k] G_l[e, k]` (``PairwiseDecoder``).
    func addPairwiseScores(_ gathered: Tensor, order: Int, nu: Tensor, to scores: inout Tensor) throws
    /// Adds `g_e ν ⊙ (Σ_l G_l[e] − G_j[e])` to block `j` of `gradients` and
    /// `Σ_e g_e Σ_{j<l} G_j[e] ⊙ G_l[e]` to `nuGradient`.
    func pairwiseGradient(_ gathered: Tensor, order: Int, nu: Tensor, upstream: Tensor,
                          addingTo gradients: inout Tensor, nuGradient: inout Tensor) throws
    /// The `E × (p·d)` concatenation `[G_1[e] | … | G_p[e]]` of `order` member blocks (``TupleDecoder``'s input).
    func concatenateMembers(_ gathered: Tensor, order: Int) throws -> Tensor
    /// Adds the `order` column blocks of an `E × (p·d)` matrix to the member blocks of `gradients`.
    func addSplitMembers(_ concatenated: Tensor, order: Int, to gradients: inout Tensor) throws

    /// `tanh(x)` in a new matrix (the attention decoder's activations).
    func tanh(_ x: Tensor) throws -> Tensor
    /// `upstream ⊙ (1 − y²)` in a new matrix: the gradient through `y = tanh(x)`.
    func tanhBackward(output: Tensor, upstream: Tensor) throws -> Tensor
    /// `x ⊙ y` (element-wise) in a new matrix.
    func multiply(_ x: Tensor, _ y: Tensor) throws -> Tensor
    /// Multi-head self-attention among the members of each hyperedge (``AttentionDecoder``): on member
    /// blocks of `(p·E) × a` queries, keys and values, with `heads` heads of `a / heads` columns, member
    /// `j`'s output is `Σ_{l≠j} softmax_l(q_j·k_l / √(a/heads)) v_l` (a member never attends to itself).
    /// Returns the outputs (same layout) and the weights, `(p·E) × (heads·p)` (entry
    /// `[j·E + e, h·p + l]`), which the backward pass reads.
    func memberAttention(queries: Tensor, keys: Tensor, values: Tensor, order: Int, heads: Int) throws
        -> (output: Tensor, weights: Tensor)
    /// The gradients of ``memberAttention(queries:keys:values:order:heads:)``'s queries, keys and values
    /// for the output gradient `upstream`, in new matrices.
    func memberAttentionBackward(queries: Tensor, keys: Tensor, values: Tensor, weights: Tensor, upstream: Tensor,
                                 order: Int, heads: Int) throws -> (queries: Tensor, keys: Tensor, values: Tensor)

    /// Logistic loss of `E × 1` scores whose first `positives` rows are positives and the rest negatives:
    /// `gradient[e] = (σ(s_e) − y_e) / normalizer`, and `loss[0] += lossScale · Σ_e softplus(∓s_e)`.
    func logisticLoss(scores: Tensor, positives: Int, normalizer: Float, lossScale: Float,
                      gradient: inout Tensor, loss: inout Tensor) throws
    /// Squared error: `gradient[e] = 2 (s_e − y_e) / normalizer`, `loss[0] += lossScale · Σ_e (s_e − y_e)²`.
    func squaredErrorLoss(scores: Tensor, targets: Tensor, normalizer: Float, lossScale: Float,
                          gradient: inout Tensor, loss: inout Tensor) throws

    /// One Adam/AdamW update in place, exactly as ``AdamRule`` states it.
    func adamStep(parameter: inout Tensor, gradient: Tensor, firstMoment: inout Tensor, secondMoment: inout Tensor,
                  rule: AdamRule) throws
    /// The same update on the rows `rows` of a parameter only (distinct; `gradient` row `r` is the gradient
    /// of parameter row `rows[r]`); the other rows and their moments stay as they are (lazy Adam, as
    /// PyTorch's `SparseAdam`).
    func adamStepRows(parameter: inout Tensor, gradient: Tensor, rows: IndexVector, firstMoment: inout Tensor,
                      secondMoment: inout Tensor, rule: AdamRule) throws
}

extension TensorOperations {
    public func mapShards<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard count >= 0 else { throw HyperLearnError.invalidArgument("mapShards: negative count \(count)") }
        return try (0..<count).map(body)
    }

    /// The unfused form: the product in a new matrix, then the mask, then the product takes the
    /// activation's place.
    public func reluDropoutBackwardProduct(_ dt: Tensor, weight: Tensor, root: (upstream: Tensor, weight: Tensor)?,
                                           mask: DropoutMask?, rows: Int, columns: Int, activation: inout Tensor) throws {
        var dx = try zeros(rows: rows, columns: columns)
        try gemm(dt, weight, transposeA: false, transposeB: true, alpha: 1, beta: 0, into: &dx)
        if let root { try gemm(root.upstream, root.weight, transposeA: false, transposeB: true, alpha: 1, beta: 1, into: &dx) }
        try reluDropoutBackward(output: activation, gradient: &dx, mask: mask)
        activation = dx
    }

    /// One block after another (a device queue runs them in order anyway).
    public func scatterAddRowBlocks(_ source: Tensor, fromRows: [Int], _ indices: [IndexVector], targets: [Int],
                                    into destinations: inout [Tensor]) throws {
        guard fromRows.count == indices.count, targets.count == indices.count,
              targets.allSatisfy({ destinations.indices.contains($0) }) else {
            throw HyperLearnError.invalidArgument("scatterAddRowBlocks: \(fromRows.count) offsets, \(indices.count) index blocks and targets \(targets) for \(destinations.count) destinations")
        }
        for b in indices.indices {
            try scatterAddRows(source, fromRow: fromRows[b], indices[b], into: &destinations[targets[b]])
        }
    }
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
