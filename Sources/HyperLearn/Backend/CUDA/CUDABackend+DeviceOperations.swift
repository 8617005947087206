/// ``CUDABackend`` as a training device: the ``DeviceOperations`` the ``DeviceTrainingEngine`` calls,
/// on ``CUDAMatrix`` handles (writes go to device memory, so the `inout` outputs are not reassigned).
extension CUDABackend: DeviceOperations {
    public var deviceDescription: String { "cuda:\(context.device.ordinal) (\(context.device.name))" }
    public func sharesMemory(with other: CUDABackend) -> Bool { context === other.context }

    public func upload(_ matrix: Matrix) throws -> CUDAMatrix { try CUDAMatrix(matrix, on: context) }
    public func upload(_ matrix: SparseMatrix) throws -> CUDASparseMatrix { try CUDASparseMatrix(matrix, on: context) }
    public func upload(_ indices: [Int32]) throws -> CUDAIndices { try CUDAIndices(indices, on: context) }
    public func download(_ tensor: CUDAMatrix) throws -> Matrix { try tensor.toMatrix() }
    public func zeros(rows: Int, columns: Int) throws -> CUDAMatrix { try CUDAMatrix(rows: rows, columns: columns, on: context) }
    public func zero(_ x: inout CUDAMatrix) throws { try x.zero() }

    public func gemm(_ a: CUDAMatrix, _ b: CUDAMatrix, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
                     into c: inout CUDAMatrix) throws {
        try gemm(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta, into: c)
    }

    public func spmm(_ a: CUDASparseMatrix, _ b: CUDAMatrix, alpha: Float, beta: Float, into c: inout CUDAMatrix) throws {
        try spmm(a, b, alpha: alpha, beta: beta, into: c)
    }

    public func axpy(_ alpha: Float, _ x: CUDAMatrix, _ y: inout CUDAMatrix) throws { try axpy(alpha, x, y) }
    public func scale(_ x: inout CUDAMatrix, by alpha: Float) throws { try scale(x, by: alpha) }
    public func addBias(_ bias: CUDAMatrix, to x: inout CUDAMatrix) throws { try addBias(bias, to: x) }

    public func accumulateColumnSums(_ x: CUDAMatrix, into sums: inout CUDAMatrix) throws {
        try requireSameContext("accumulateColumnSums", x, sums)
        guard sums.count == x.columns else {
            throw HyperLearnError.invalidArgument("accumulateColumnSums: \(x.rows)×\(x.columns) into \(sums.rows)×\(sums.columns)")
        }
        let chunks = (x.rows + 255) / 256
        try launch("hl_column_sums", chunks * x.columns,
                   [.buffer(x.buffer), .buffer(sums.buffer), .int64(Int64(x.rows)), .int32(Int32(x.columns))])
    }

    public func reluDropout(_ x: CUDAMatrix, mask: DropoutMask?) throws -> CUDAMatrix {
        let y = try CUDAMatrix(rows: x.rows, columns: x.columns, on: context)
        try launch("hl_relu_dropout", x.count,
                   [.buffer(x.buffer), .buffer(y.buffer), .int64(Int64(x.count))] + Self.maskArguments(mask))
        return y
    }

    public func reluDropoutBackward(preActivation: CUDAMatrix, upstream: CUDAMatrix,
                                    mask: DropoutMask?) throws -> CUDAMatrix {
        try requireSameContext("reluDropoutBackward", preActivation, upstream)
        try requireSameShape("reluDropoutBackward", preActivation, upstream)
        let dx = try CUDAMatrix(rows: upstream.rows, columns: upstream.columns, on: context)
        try launch("hl_relu_dropout_backward", upstream.count,
                   [.buffer(preActivation.buffer), .buffer(upstream.buffer), .buffer(dx.buffer),
                    .int64(Int64(upstream.count))] + Self.maskArguments(mask))
        return dx
    }

    private static func maskArguments(_ mask: DropoutMask?) -> [CUDAKernelArgument] {
        [.int64(Int64(bitPattern: mask?.key ?? 0)), .float(mask?.rate ?? 0), .float(mask?.keepScale ?? 1),
         .int32(mask == nil ? 0 : 1)]
    }

    public func scatterAddRows(_ source: CUDAMatrix, _ indices: CUDAIndices, into destination: inout CUDAMatrix) throws {
        try scatterAddRows(source, indices, into: destination)
    }

    public func cpScore(factors: [CUDAMatrix], members: CUDAIndices, lambda: CUDAMatrix, mu: CUDAMatrix) throws -> CUDAMatrix {
        try cpScore(factors: factors, members: members, lambda: lambda, mu: Optional(mu))
    }

    public func cpGradient(factors: [CUDAMatrix], members: CUDAIndices, lambda: CUDAMatrix, upstream: CUDAMatrix,
                           lambdaGradient: inout CUDAMatrix) throws -> [CUDAMatrix] {
        try cpGradient(factors: factors, members: members, lambda: lambda, upstream: upstream,
                       lambdaGradient: Optional(lambdaGradient))
    }

    public func pairwiseGradient(factors: [CUDAMatrix], members: CUDAIndices, nu: CUDAMatrix, upstream: CUDAMatrix,
                                 nuGradient: inout CUDAMatrix) throws -> [CUDAMatrix] {
        try pairwiseGradient(factors: factors, members: members, nu: nu, upstream: upstream, nuGradient: Optional(nuGradient))
    }

    public func logisticLoss(scores: CUDAMatrix, positives: Int, normalizer: Float, lossScale: Float,
                             gradient: inout CUDAMatrix, loss: inout CUDAMatrix) throws {
        try requireSameContext("logisticLoss", scores, gradient, loss)
        try requireSameShape("logisticLoss", scores, gradient)
        try launch("hl_logistic_loss", scores.count,
                   [.buffer(scores.buffer), .buffer(gradient.buffer), .buffer(loss.buffer), .int64(Int64(scores.count)),
                    .int64(Int64(positives)), .float(normalizer), .float(lossScale)])
    }

    public func squaredErrorLoss(scores: CUDAMatrix, targets: CUDAMatrix, normalizer: Float, lossScale: Float,
                                 gradient: inout CUDAMatrix, loss: inout CUDAMatrix) throws {
        try requireSameContext("squaredErrorLoss", scores, targets, gradient, loss)
        try requireSameShape("squaredErrorLoss", scores, targets)
        try requireSameShape("squaredErrorLoss", scores, gradient)
        try launch("hl_squared_loss", scores.count,
                   [.buffer(scores.buffer), .buffer(targets.buffer), .buffer(gradient.buffer), .buffer(loss.buffer),
                    .int64(Int64(scores.count)), .float(normalizer), .float(lossScale)])
    }

    public func adamStep(parameter: inout CUDAMatrix, gradient: CUDAMatrix, firstMoment: inout CUDAMatrix,
                         secondMoment: inout CUDAMatrix, rule: AdamRule) throws {
        try adamStep(parameter: parameter, gradient: gradient, firstMoment: firstMoment, secondMoment: secondMoment,
                     rule: rule)
    }
}
