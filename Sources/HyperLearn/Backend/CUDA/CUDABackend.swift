import CCUDA

/// The operations training needs, on row-major `Float` matrices in device memory.
///
/// Dense products go to cuBLAS, sparse × dense to cuSPARSE's generic SpMM, everything else to
/// HyperLearn's own kernels (``CUDAKernelSource``), compiled at run time for the device. Every
/// operation checks shapes before it queues work and throws ``HyperLearnError/invalidArgument(_:)``
/// on a mismatch; library status codes throw ``CUDAError``. Work is queued on the context's stream;
/// reading a result back (``CUDAMatrix/toMatrix()``, ``sum(_:)``) waits for it.
///
/// ```swift
/// let gpu = try CUDABackend()
/// let a = try CUDAMatrix(Matrix([[1, 2], [3, 4]]), on: gpu.context)
/// let product = try gpu.gemm(a, a, transposeB: true).toMatrix()   // A·Aᵀ
/// ```
public struct CUDABackend {
    /// The device context every operand must live on.
    public let context: CUDAContext

    /// A backend on an existing context.
    public init(context: CUDAContext) { self.context = context }

    /// A backend on the shared context of device `ordinal`.
    public init(device ordinal: Int = 0) throws { context = try CUDAContext.shared(device: ordinal) }

    private var api: CUDALibraries { context.api }

    func requireSameContext(_ operation: String, _ matrices: CUDAMatrix...) throws {
        for matrix in matrices where matrix.context !== context {
            throw HyperLearnError.invalidArgument("\(operation): \(matrix) lives on another context")
        }
    }

    func launch(_ name: String, _ count: Int, _ arguments: [CUDAKernelArgument]) throws {
        try context.kernels().launch(name, elementCount: count, arguments: arguments, context: context)
    }

    // MARK: Dense products

    /// `op(A) · op(B)` in a new matrix, where `op` transposes when asked.
    ///
    /// Equivalent to `alpha · (transposeA ? Aᵀ : A) · (transposeB ? Bᵀ : B)`.
    public func gemm(_ a: CUDAMatrix, _ b: CUDAMatrix, transposeA: Bool = false, transposeB: Bool = false,
                     alpha: Float = 1) throws -> CUDAMatrix {
        let rows = transposeA ? a.columns : a.rows
        let columns = transposeB ? b.rows : b.columns
        let c = try CUDAMatrix(rows: rows, columns: columns, on: context)
        try gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: 0, into: c)
        return c
    }

    /// `C ← alpha · op(A) · op(B) + beta · C` (cuBLAS `sgemm`).
    ///
    /// cuBLAS is column-major; a row-major `C` is the column-major `Cᵀ = op(B)ᵀ · op(A)ᵀ`, so the
    /// call swaps the operands and keeps each one's transpose flag, with no copy.
    ///
    /// - Parameters:
    ///   - a: `m × k` (or `k × m` with `transposeA`).
    ///   - b: `k × n` (or `n × k` with `transposeB`).
    ///   - c: `m × n`, overwritten (accumulated into when `beta ≠ 0`).
    public func gemm(_ a: CUDAMatrix, _ b: CUDAMatrix, transposeA: Bool = false, transposeB: Bool = false,
                     alpha: Float = 1, beta: Float = 0, into c: CUDAMatrix) throws {
        try requireSameContext("gemm", a, b, c)
        let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns
        let kB = transposeB ? b.columns : b.rows, n = transposeB ? b.rows : b.columns
        guard k == kB, c.rows == m, c.columns == n else {
            throw HyperLearnError.invalidArgument(
                "gemm: \(a.rows)×\(a.columns)\(transposeA ? "ᵀ" : "") × \(b.rows)×\(b.columns)\(transposeB ? "ᵀ" : "")"
                    + " into \(c.rows)×\(c.columns)")
        }
        guard [m, n, k].allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw HyperLearnError.invalidArgument("gemm: dimensions beyond 32 bits")
        }
        if m == 0 || n == 0 { return }
        if k == 0 { return try scale(c, by: beta) }
        var alpha = alpha, beta = beta
        try context.makeCurrent()
        let status = api.cublas.sgemm(
            context.cublasHandle,
            Int32(transposeB ? CCUDA_CUBLAS_OP_T : CCUDA_CUBLAS_OP_N),
            Int32(transposeA ? CCUDA_CUBLAS_OP_T : CCUDA_CUBLAS_OP_N),
            Int32(n), Int32(m), Int32(k), &alpha,
            b.buffer.floatPointer, Int32(max(b.columns, 1)),
            a.buffer.floatPointer, Int32(max(a.columns, 1)), &beta,
            c.buffer.floatPointer, Int32(max(n, 1)))
        try api.cublas.check(status, "cublasSgemm_v2")
    }

    // MARK: Sparse × dense

    /// `A · B` for a CSR `A` (cuSPARSE generic SpMM), in a new matrix.
    public func spmm(_ a: CUDASparseMatrix, _ b: CUDAMatrix, alpha: Float = 1) throws -> CUDAMatrix {
        let c = try CUDAMatrix(rows: a.rows, columns: b.columns, on: context)
        try spmm(a, b, alpha: alpha, beta: 0, into: c)
        return c
    }

    /// `C ← alpha · A · B + beta · C` for a CSR `A` (`m × k`), dense row-major `B` (`k × n`) and `C` (`m × n`).
    public func spmm(_ a: CUDASparseMatrix, _ b: CUDAMatrix, alpha: Float = 1, beta: Float = 0,
                     into c: CUDAMatrix) throws {
        try requireSameContext("spmm", b, c)
        guard a.context === context else { throw HyperLearnError.invalidArgument("spmm: \(a) lives on another context") }
        guard a.columns == b.rows, c.rows == a.rows, c.columns == b.columns else {
            throw HyperLearnError.invalidArgument(
                "spmm: \(a.rows)×\(a.columns) (sparse) × \(b.rows)×\(b.columns) into \(c.rows)×\(c.columns)")
        }
        if c.count == 0 { return }
        if a.nonzeroCount == 0 || a.columns == 0 { return try scale(c, by: beta) }
        try context.makeCurrent()
        let sparse = api.cusparse
        var matrixA: CCUDA_SpMatDescr?
        try sparse.check(sparse.createCsr(&matrixA, Int64(a.rows), Int64(a.columns), Int64(a.nonzeroCount),
                                          a.rowOffsets.pointer, a.columnIndices.pointer, a.values.pointer,
                                          Int32(CCUDA_CUSPARSE_INDEX_32I), Int32(CCUDA_CUSPARSE_INDEX_32I),
                                          Int32(CCUDA_CUSPARSE_INDEX_BASE_ZERO), Int32(CCUDA_R_32F)),
                         "cusparseCreateCsr")
        defer { _ = sparse.destroySpMat(matrixA) }
        var matrixB: CCUDA_DnMatDescr?
        try sparse.check(sparse.createDnMat(&matrixB, Int64(b.rows), Int64(b.columns), Int64(b.columns),
                                            b.buffer.pointer, Int32(CCUDA_R_32F), Int32(CCUDA_CUSPARSE_ORDER_ROW)),
                         "cusparseCreateDnMat")
        defer { _ = sparse.destroyDnMat(matrixB) }
        var matrixC: CCUDA_DnMatDescr?
        try sparse.check(sparse.createDnMat(&matrixC, Int64(c.rows), Int64(c.columns), Int64(c.columns),
                                            c.buffer.pointer, Int32(CCUDA_R_32F), Int32(CCUDA_CUSPARSE_ORDER_ROW)),
                         "cusparseCreateDnMat")
        defer { _ = sparse.destroyDnMat(matrixC) }
        var alpha = alpha, beta = beta
        let noTranspose = Int32(CCUDA_CUSPARSE_OPERATION_NON_TRANSPOSE)
        let algorithm = Int32(CCUDA_CUSPARSE_SPMM_ALG_DEFAULT)
        var workspaceSize = 0
        try sparse.check(sparse.spMMBufferSize(context.cusparseHandle, noTranspose, noTranspose, &alpha, matrixA,
                                               matrixB, &beta, matrixC, Int32(CCUDA_R_32F), algorithm,
                                               &workspaceSize), "cusparseSpMM_bufferSize")
        // Freed back to the cache when this returns; the stream orders its reuse after SpMM.
        let workspace = try context.allocate(byteCount: workspaceSize)
        try sparse.check(sparse.spMM(context.cusparseHandle, noTranspose, noTranspose, &alpha, matrixA, matrixB,
                                     &beta, matrixC, Int32(CCUDA_R_32F), algorithm, workspace.pointer),
                         "cusparseSpMM")
    }

    // MARK: Rows by index

    /// `D[r, :] = S[indices[r], :]` in a new `indices.count × S.columns` matrix.
    public func gatherRows(_ source: CUDAMatrix, _ indices: CUDAIndices) throws -> CUDAMatrix {
        let destination = try CUDAMatrix(rows: indices.count, columns: source.columns, on: context)
        try gatherRows(source, indices, into: destination)
        return destination
    }

    /// `D[r, :] = S[indices[r], :]`. The indices' bounds, taken at upload, are checked against `S`.
    public func gatherRows(_ source: CUDAMatrix, _ indices: CUDAIndices, into destination: CUDAMatrix) throws {
        try requireSameContext("gatherRows", source, destination)
        guard destination.rows == indices.count, destination.columns == source.columns else {
            throw HyperLearnError.invalidArgument("gatherRows: \(indices.count) rows of \(source.rows)×\(source.columns)"
                                                  + " into \(destination.rows)×\(destination.columns)")
        }
        try indices.bounds.require("gatherRows", rowsBelow: source.rows)
        try launch("hl_gather_rows", destination.count,
                   [.buffer(source.buffer), .buffer(indices.buffer), .buffer(destination.buffer),
                    .int64(Int64(indices.count)), .int32(Int32(source.columns))])
    }

    /// `D[indices[r], :] += S[r, :]` (atomic adds, so repeated indices accumulate).
    public func scatterAddRows(_ source: CUDAMatrix, _ indices: CUDAIndices, into destination: CUDAMatrix) throws {
        try requireSameContext("scatterAddRows", source, destination)
        guard source.rows == indices.count, destination.columns == source.columns else {
            throw HyperLearnError.invalidArgument("scatterAddRows: \(source.rows)×\(source.columns) by \(indices.count)"
                                                  + " indices into \(destination.rows)×\(destination.columns)")
        }
        try indices.bounds.require("scatterAddRows", rowsBelow: destination.rows)
        try launch("hl_scatter_add_rows", source.count,
                   [.buffer(source.buffer), .buffer(indices.buffer), .buffer(destination.buffer),
                    .int64(Int64(indices.count)), .int32(Int32(source.columns))])
    }

    // MARK: Element-wise

    /// `max(x, 0)` in a new matrix.
    public func relu(_ x: CUDAMatrix) throws -> CUDAMatrix {
        let y = try CUDAMatrix(rows: x.rows, columns: x.columns, on: context)
        try relu(x, into: y)
        return y
    }

    /// `y = max(x, 0)`; `y` may be `x`.
    public func relu(_ x: CUDAMatrix, into y: CUDAMatrix) throws {
        try requireSameContext("relu", x, y)
        try requireSameShape("relu", x, y)
        try launch("hl_relu", x.count, [.buffer(x.buffer), .buffer(y.buffer), .int64(Int64(x.count))])
    }

    /// The gradient of ReLU: `upstream` where `input > 0`, else 0, in a new matrix.
    public func reluBackward(input: CUDAMatrix, upstream: CUDAMatrix) throws -> CUDAMatrix {
        let result = try CUDAMatrix(rows: input.rows, columns: input.columns, on: context)
        try reluBackward(input: input, upstream: upstream, into: result)
        return result
    }

    /// `result = upstream ⊙ [input > 0]`; `result` may be `upstream`.
    public func reluBackward(input: CUDAMatrix, upstream: CUDAMatrix, into result: CUDAMatrix) throws {
        try requireSameContext("reluBackward", input, upstream, result)
        try requireSameShape("reluBackward", input, upstream)
        try requireSameShape("reluBackward", input, result)
        try launch("hl_relu_backward", input.count,
                   [.buffer(input.buffer), .buffer(upstream.buffer), .buffer(result.buffer),
                    .int64(Int64(input.count))])
    }

    /// `y ← y + alpha · x`.
    public func axpy(_ alpha: Float, _ x: CUDAMatrix, _ y: CUDAMatrix) throws {
        try requireSameContext("axpy", x, y)
        try requireSameShape("axpy", x, y)
        try launch("hl_axpy", x.count, [.float(alpha), .buffer(x.buffer), .buffer(y.buffer), .int64(Int64(x.count))])
    }

    /// `x ← alpha · x`.
    public func scale(_ x: CUDAMatrix, by alpha: Float) throws {
        try requireSameContext("scale", x)
        if alpha == 0 { return try x.zero() }  // also clears NaN, as BLAS does for beta = 0
        try launch("hl_scale", x.count, [.float(alpha), .buffer(x.buffer), .int64(Int64(x.count))])
    }

    /// `x[i, :] ← x[i, :] + bias` for a `1 × x.columns` bias.
    public func addBias(_ bias: CUDAMatrix, to x: CUDAMatrix) throws {
        try requireSameContext("addBias", bias, x)
        guard bias.count == x.columns else {
            throw HyperLearnError.invalidArgument("addBias: bias \(bias.rows)×\(bias.columns) for \(x.rows)×\(x.columns)")
        }
        try launch("hl_add_bias", x.count,
                   [.buffer(x.buffer), .buffer(bias.buffer), .int64(Int64(x.rows)), .int32(Int32(x.columns))])
    }

    /// Sums of each column, as a `1 × x.columns` matrix (the bias gradient).
    public func columnSums(_ x: CUDAMatrix) throws -> CUDAMatrix {
        let sums = try CUDAMatrix(rows: 1, columns: x.columns, on: context)
        try columnSums(x, into: sums)
        return sums
    }

    /// `sums[j] = Σ_i x[i, j]`; `sums` is overwritten.
    public func columnSums(_ x: CUDAMatrix, into sums: CUDAMatrix) throws {
        try requireSameContext("columnSums", x, sums)
        guard sums.count == x.columns else {
            throw HyperLearnError.invalidArgument("columnSums: \(x.rows)×\(x.columns) into \(sums.rows)×\(sums.columns)")
        }
        try sums.zero()
        var accumulator = sums
        try accumulateColumnSums(x, into: &accumulator)
    }

    /// The sum of all elements, read back to the host.
    public func sum(_ x: CUDAMatrix) throws -> Float {
        try requireSameContext("sum", x)
        let total = try CUDAMatrix(rows: 1, columns: 1, on: context)
        try launch("hl_sum", x.count, [.buffer(x.buffer), .buffer(total.buffer), .int64(Int64(x.count))])
        return try total.toMatrix().storage[0]
    }

    // MARK: CP decoder

    /// The CP score of each hyperedge: `s[e] = Σ_k λ_k Π_j Z_j[i_j(e), k] + μ`.
    ///
    /// - Parameters:
    ///   - factors: `Z_1 … Z_p`, each `n_j × d` (at most ``CUDAKernelSource/maximumOrder``).
    ///   - members: the hyperedges, row-major `E × p`: `members[e * p + j] = i_j(e)`.
    ///   - lambda: the `1 × d` weights `λ`.
    ///   - mu: the `1 × 1` global bias `μ`, or `nil` for none.
    /// - Returns: the `E × 1` scores.
    public func cpScore(factors: [CUDAMatrix], members: CUDAIndices, lambda: CUDAMatrix,
                        mu: CUDAMatrix? = nil) throws -> CUDAMatrix {
        let edges = try checkCP("cpScore", factors: factors, members: members, lambda: lambda)
        try requireSameContext("cpScore", lambda)
        if let mu {
            try requireSameContext("cpScore", mu)
            guard mu.count == 1 else { throw HyperLearnError.invalidArgument("cpScore: μ is \(mu.rows)×\(mu.columns)") }
        }
        let scores = try CUDAMatrix(rows: edges, columns: 1, on: context)
        try launch("hl_cp_score", edges,
                   [.pointerTable(factors.map(\.buffer)), .buffer(members.buffer), .buffer(lambda.buffer),
                    .buffer(mu?.buffer), .buffer(scores.buffer), .int64(Int64(edges)), .int32(Int32(factors.count)),
                    .int32(Int32(lambda.count))])
        return scores
    }

    /// The gradient rows of the CP score, one `E × d` matrix per factor:
    /// `rows_j[e, :] = g_e · λ ⊙ Π_{l≠j} Z_l[i_l(e), :]`; scatter-add `rows_j` by member `j` to get `∂ℓ/∂Z_j`.
    ///
    /// - Parameters:
    ///   - upstream: `∂ℓ/∂s`, `E × 1`.
    ///   - lambdaGradient: when given (`1 × d`), `Σ_e g_e Π_j Z_j[i_j(e), :]` is **added** to it.
    public func cpGradient(factors: [CUDAMatrix], members: CUDAIndices, lambda: CUDAMatrix, upstream: CUDAMatrix,
                           lambdaGradient: CUDAMatrix? = nil) throws -> [CUDAMatrix] {
        try gradientRows("hl_cp_gradient", caller: "cpGradient", factors: factors, members: members, weights: lambda,
                         upstream: upstream, weightGradient: lambdaGradient)
    }

    /// Pairwise-interaction scores `s[e] = Σ_k ν_k Σ_{j<l} Z_j[i_j(e), k] Z_l[i_l(e), k]`, `E × 1` (``PairwiseDecoder``).
    public func pairwiseScore(factors: [CUDAMatrix], members: CUDAIndices, nu: CUDAMatrix) throws -> CUDAMatrix {
        let edges = try checkCP("pairwiseScore", factors: factors, members: members, lambda: nu)
        try requireSameContext("pairwiseScore", nu)
        let scores = try CUDAMatrix(rows: edges, columns: 1, on: context)
        try launch("hl_pairwise_score", edges,
                   [.pointerTable(factors.map(\.buffer)), .buffer(members.buffer), .buffer(nu.buffer),
                    .buffer(scores.buffer), .int64(Int64(edges)), .int32(Int32(factors.count)), .int32(Int32(nu.count))])
        return scores
    }

    /// The gradient rows of the pairwise score, one `E × d` matrix per factor:
    /// `rows_j[e, :] = g_e · ν ⊙ (Σ_l Z_l[i_l(e), :] − Z_j[i_j(e), :])`; when given, `nuGradient` (`1 × d`)
    /// has `Σ_e g_e Σ_{j<l} Z_j[i_j(e), :] ⊙ Z_l[i_l(e), :]` **added** to it.
    public func pairwiseGradient(factors: [CUDAMatrix], members: CUDAIndices, nu: CUDAMatrix, upstream: CUDAMatrix,
                                 nuGradient: CUDAMatrix? = nil) throws -> [CUDAMatrix] {
        try gradientRows("hl_pairwise_gradient", caller: "pairwiseGradient", factors: factors, members: members,
                         weights: nu, upstream: upstream, weightGradient: nuGradient)
    }

    /// Launches a decoder's gradient kernel (one thread per edge and coordinate) over checked operands:
    /// the kernels of ``cpGradient(factors:members:lambda:upstream:lambdaGradient:)`` and
    /// ``pairwiseGradient(factors:members:nu:upstream:nuGradient:)`` take the same arguments.
    private func gradientRows(_ kernel: String, caller: String, factors: [CUDAMatrix], members: CUDAIndices,
                              weights: CUDAMatrix, upstream: CUDAMatrix, weightGradient: CUDAMatrix?) throws -> [CUDAMatrix] {
        let edges = try checkCP(caller, factors: factors, members: members, lambda: weights)
        try checkGradientOperands(caller, edges: edges, weights: weights, upstream: upstream, weightGradient: weightGradient)
        let rows = try factors.map { _ in try CUDAMatrix(rows: edges, columns: weights.count, on: context) }
        try launch(kernel, edges * weights.count,
                   [.pointerTable(factors.map(\.buffer)), .buffer(members.buffer), .buffer(weights.buffer),
                    .buffer(upstream.buffer), .pointerTable(rows.map(\.buffer)), .buffer(weightGradient?.buffer),
                    .int64(Int64(edges)), .int32(Int32(factors.count)), .int32(Int32(weights.count))])
        return rows
    }

    /// The upstream gradient has one value per hyperedge, the weight gradient (when given) the weights' shape.
    private func checkGradientOperands(_ operation: String, edges: Int, weights: CUDAMatrix, upstream: CUDAMatrix,
                                       weightGradient: CUDAMatrix?) throws {
        try requireSameContext(operation, weights, upstream)
        guard upstream.count == edges else {
            throw HyperLearnError.invalidArgument("\(operation): upstream \(upstream.rows)×\(upstream.columns) for \(edges) hyperedges")
        }
        if let weightGradient {
            try requireSameContext(operation, weightGradient)
            guard weightGradient.count == weights.count else {
                throw HyperLearnError.invalidArgument("\(operation): weight gradient \(weightGradient.rows)×\(weightGradient.columns) for rank \(weights.count)")
            }
        }
    }

    private func checkCP(_ operation: String, factors: [CUDAMatrix], members: CUDAIndices,
                         lambda: CUDAMatrix) throws -> Int {
        let order = factors.count
        guard order >= 1 && order <= CUDAKernelSource.maximumOrder else {
            throw HyperLearnError.invalidArgument("\(operation): order \(order) outside 1…\(CUDAKernelSource.maximumOrder)")
        }
        for factor in factors {
            try requireSameContext(operation, factor)
            guard factor.columns == lambda.count, factor.rows > 0 else {
                throw HyperLearnError.invalidArgument("\(operation): factor \(factor.rows)×\(factor.columns) for rank \(lambda.count)")
            }
        }
        guard members.context === context, members.period == order else {
            throw HyperLearnError.invalidArgument("\(operation): members uploaded in rows of \(members.period) for order \(order)"
                                                  + " (CUDAIndices(_:period:on:) takes the order)")
        }
        for (position, factor) in factors.enumerated() {
            try members.positionBounds[position].require(operation, rowsBelow: factor.rows, of: "rows of factor \(position)")
        }
        return members.count / order
    }

    // MARK: Optimiser

    /// One Adam step (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015):
    ///
    /// `m ← β₁m + (1-β₁)g`, `v ← β₂v + (1-β₂)g²`, `θ ← θ - η · (m / (1-β₁ᵗ)) / (√(v / (1-β₂ᵗ)) + ε)`.
    ///
    /// - Parameter step: `t`, starting at 1.
    public func adamStep(parameter: CUDAMatrix, gradient: CUDAMatrix, firstMoment: CUDAMatrix,
                         secondMoment: CUDAMatrix, step: Int, learningRate: Float, beta1: Float = 0.9,
                         beta2: Float = 0.999, epsilon: Float = 1e-8) throws {
        guard step >= 1 else { throw HyperLearnError.invalidArgument("adamStep: step \(step) must start at 1") }
        var optimizer = Adam(learningRate: learningRate)
        optimizer.beta1 = beta1
        optimizer.beta2 = beta2
        optimizer.epsilon = epsilon
        try optimizer.restore(step: step)
        try adamStep(parameter: parameter, gradient: gradient, firstMoment: firstMoment, secondMoment: secondMoment,
                     rule: AdamRule(optimizer))
    }

    /// One Adam/AdamW step with the constants of `rule` (the same expression as the CPU's).
    public func adamStep(parameter: CUDAMatrix, gradient: CUDAMatrix, firstMoment: CUDAMatrix,
                         secondMoment: CUDAMatrix, rule: AdamRule) throws {
        try requireSameContext("adamStep", parameter, gradient, firstMoment, secondMoment)
        try requireSameShape("adamStep", parameter, gradient)
        try requireSameShape("adamStep", parameter, firstMoment)
        try requireSameShape("adamStep", parameter, secondMoment)
        try launch("hl_adam", parameter.count,
                   [.buffer(parameter.buffer), .buffer(gradient.buffer), .buffer(firstMoment.buffer),
                    .buffer(secondMoment.buffer), .int64(Int64(parameter.count)), .float(rule.stepSize),
                    .float(rule.inverseRootCorrection2), .float(rule.beta1), .float(rule.beta2), .float(rule.epsilon),
                    .float(rule.shrink), .float(rule.coupledDecay)])
    }

    func requireSameShape(_ operation: String, _ x: CUDAMatrix, _ y: CUDAMatrix) throws {
        guard x.rows == y.rows && x.columns == y.columns else {
            throw HyperLearnError.invalidArgument("\(operation): \(x.rows)×\(x.columns) and \(y.rows)×\(y.columns)")
        }
    }
}

extension Double {
    /// `self` to a non-negative integer power, without Foundation.
    func integerPower(_ exponent: Int) -> Double {
        var result = 1.0, base = self, remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result *= base }
            base *= base
            remaining >>= 1
        }
        return result
    }
}
