/// ``CUDABackend`` as a training device: the ``TensorOperations`` the ``TrainingEngine`` calls,
/// on ``CUDAMatrix`` handles (writes go to device memory, so the `inout` outputs are not reassigned).
extension CUDABackend: TensorOperations {
    public var deviceDescription: String { "cuda:\(context.device.ordinal) (\(context.device.name))" }
    public func sharesMemory(with other: CUDABackend) -> Bool { context === other.context }

    public func upload(_ matrix: Matrix) throws -> CUDAMatrix { try CUDAMatrix(matrix, on: context) }
    public func upload(_ matrix: SparseMatrix) throws -> CUDASparseMatrix { try CUDASparseMatrix(matrix, on: context) }
    public func upload(_ indices: [Int32]) throws -> CUDAIndices { try CUDAIndices(indices, on: context) }
    public func download(_ tensor: CUDAMatrix) throws -> Matrix { try tensor.toMatrix() }
    public func zeros(rows: Int, columns: Int) throws -> CUDAMatrix { try CUDAMatrix(rows: rows, columns: columns, on: context) }
    public func zero(_ x: inout CUDAMatrix) throws { try x.zero() }
    public func reshape(_ x: inout CUDAMatrix, rows: Int, columns: Int) throws { x = try x.reshaped(rows: rows, columns: columns) }

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

    // Both kernels are elementwise (each thread reads element i, then writes it), so input and output
    // may be the same buffer.
    public func reluDropout(_ x: inout CUDAMatrix, mask: DropoutMask?) throws {
        try requireSameContext("reluDropout", x)
        try launch("hl_relu_dropout", x.count,
                   [.buffer(x.buffer), .buffer(x.buffer), .int64(Int64(x.count))] + Self.maskArguments(mask))
    }

    public func reluDropoutBackward(output: CUDAMatrix, gradient: inout CUDAMatrix, mask: DropoutMask?) throws {
        try requireSameContext("reluDropoutBackward", output, gradient)
        try requireSameShape("reluDropoutBackward", output, gradient)
        try launch("hl_relu_dropout_backward", gradient.count,
                   [.buffer(output.buffer), .buffer(gradient.buffer), .buffer(gradient.buffer),
                    .int64(Int64(gradient.count))] + Self.maskArguments(mask))
    }

    private static func maskArguments(_ mask: DropoutMask?) -> [CUDAKernelArgument] {
        [.int64(Int64(bitPattern: mask?.key ?? 0)), .float(mask?.rate ?? 0), .float(mask?.keepScale ?? 1),
         .int32(mask == nil ? 0 : 1)]
    }

    /// The device address of row `row` of `x`.
    private func address(of x: CUDAMatrix, row: Int) -> UInt { x.buffer.address + UInt(row * x.columns * MemoryLayout<Float>.stride) }

    public func gatherRows(_ source: CUDAMatrix, _ indices: CUDAIndices, into destination: inout CUDAMatrix, atRow row: Int) throws {
        try requireSameContext("gatherRows", source, destination)
        // `row <= rows − count`, not `row + count <= rows`: a caller's row near `Int.max` must not overflow.
        guard destination.columns == source.columns, row >= 0, row <= destination.rows - indices.count else {
            throw HyperLearnError.invalidArgument("gatherRows: \(indices.count) rows of \(source.rows)×\(source.columns) into rows from \(row) of \(destination.rows)×\(destination.columns)")
        }
        try indices.bounds.require("gatherRows", rowsBelow: source.rows)
        try launch("hl_gather_rows", indices.count * source.columns,
                   [.buffer(source.buffer), .buffer(indices.buffer), .address(address(of: destination, row: row)),
                    .int64(Int64(indices.count)), .int32(Int32(source.columns))])
    }

    public func scatterAddRows(_ source: CUDAMatrix, fromRow row: Int, _ indices: CUDAIndices,
                               into destination: inout CUDAMatrix) throws {
        try requireSameContext("scatterAddRows", source, destination)
        guard destination.columns == source.columns, row >= 0, row <= source.rows - indices.count else {
            throw HyperLearnError.invalidArgument("scatterAddRows: rows from \(row) of \(source.rows)×\(source.columns) by \(indices.count) indices into \(destination.rows)×\(destination.columns)")
        }
        try indices.bounds.require("scatterAddRows", rowsBelow: destination.rows)
        try launch("hl_scatter_add_rows", indices.count * source.columns,
                   [.address(address(of: source, row: row)), .buffer(indices.buffer), .buffer(destination.buffer),
                    .int64(Int64(indices.count)), .int32(Int32(source.columns))])
    }

    public func copyRows(_ source: CUDAMatrix, into destination: inout CUDAMatrix, atRow row: Int) throws {
        try requireSameContext("copyRows", source, destination)
        guard source.columns == destination.columns, row >= 0, row <= destination.rows - source.rows else {
            throw HyperLearnError.invalidArgument("copyRows: \(source.rows)×\(source.columns) into rows from \(row) of \(destination.rows)×\(destination.columns)")
        }
        try launch("hl_copy", source.count, [.buffer(source.buffer), .address(address(of: destination, row: row)),
                                             .int64(Int64(source.count))])
    }

    public func accumulateDot(_ x: CUDAMatrix, _ y: CUDAMatrix, scale: Float, into loss: inout CUDAMatrix) throws {
        try requireSameContext("accumulateDot", x, y, loss)
        try requireSameShape("accumulateDot", x, y)
        try launch("hl_dot", x.count, [.buffer(x.buffer), .buffer(y.buffer), .buffer(loss.buffer), .int64(Int64(x.count)),
                                       .float(scale)])
    }

    public func addMemberSums(_ blocks: CUDAMatrix, order: Int, to scores: inout CUDAMatrix) throws {
        try requireSameContext("addMemberSums", blocks, scores)
        guard order.multipliedReportingOverflow(by: scores.count) == (blocks.count, false) else {
            throw HyperLearnError.invalidArgument("addMemberSums: \(blocks.rows)×\(blocks.columns) for \(order) blocks of \(scores.count)")
        }
        try launch("hl_add_member_sums", scores.count, [.buffer(blocks.buffer), .buffer(scores.buffer),
                                                        .int64(Int64(scores.count)), .int32(Int32(order))])
    }

    /// Block `j` of `gathered` as factor `j` of the decoder kernels (read without member indices).
    private func memberBlocks(_ operation: String, _ gathered: CUDAMatrix, order: Int) throws -> (edges: Int, addresses: [UInt]) {
        guard order >= 1, order <= CUDAKernelSource.maximumOrder, gathered.rows % order == 0 else {
            throw HyperLearnError.invalidArgument("\(operation): \(gathered.rows) gathered rows for order \(order) (at most \(CUDAKernelSource.maximumOrder))")
        }
        let edges = gathered.rows / order
        return (edges, (0..<order).map { address(of: gathered, row: $0 * edges) })
    }

    public func addCPScores(_ gathered: CUDAMatrix, order: Int, lambda: CUDAMatrix, mu: CUDAMatrix,
                            to scores: inout CUDAMatrix) throws {
        try requireSameContext("addCPScores", gathered, lambda, mu, scores)
        let (edges, blocks) = try memberBlocks("addCPScores", gathered, order: order)
        guard scores.count == edges, lambda.count == gathered.columns, mu.count == 1 else {
            throw HyperLearnError.invalidArgument("addCPScores: scores \(scores.rows)×\(scores.columns), λ \(lambda.count), μ \(mu.count) for \(edges) hyperedges of rank \(gathered.columns)")
        }
        try launch("hl_cp_score", edges,
                   [.addressTable(blocks), .buffer(nil), .buffer(lambda.buffer), .buffer(mu.buffer), .buffer(scores.buffer),
                    .int64(Int64(edges)), .int32(Int32(order)), .int32(Int32(lambda.count))])
    }

    public func cpGradient(_ gathered: CUDAMatrix, order: Int, lambda: CUDAMatrix, upstream: CUDAMatrix,
                           into gradients: inout CUDAMatrix, lambdaGradient: inout CUDAMatrix) throws {
        try blockGradient("hl_cp_gradient", gathered, order: order, weights: lambda, upstream: upstream,
                          gradients: gradients, weightGradient: lambdaGradient)
    }

    public func addPairwiseScores(_ gathered: CUDAMatrix, order: Int, nu: CUDAMatrix, to scores: inout CUDAMatrix) throws {
        try requireSameContext("addPairwiseScores", gathered, nu, scores)
        let (edges, blocks) = try memberBlocks("addPairwiseScores", gathered, order: order)
        guard scores.count == edges, nu.count == gathered.columns else {
            throw HyperLearnError.invalidArgument("addPairwiseScores: scores \(scores.rows)×\(scores.columns), ν \(nu.count) for \(edges) hyperedges of rank \(gathered.columns)")
        }
        try launch("hl_pairwise_score", edges,
                   [.addressTable(blocks), .buffer(nil), .buffer(nu.buffer), .buffer(scores.buffer), .int64(Int64(edges)),
                    .int32(Int32(order)), .int32(Int32(nu.count))])
    }

    public func pairwiseGradient(_ gathered: CUDAMatrix, order: Int, nu: CUDAMatrix, upstream: CUDAMatrix,
                                 addingTo gradients: inout CUDAMatrix, nuGradient: inout CUDAMatrix) throws {
        try blockGradient("hl_pairwise_gradient", gathered, order: order, weights: nu, upstream: upstream,
                          gradients: gradients, weightGradient: nuGradient)
    }

    /// A decoder gradient kernel over member blocks: the CP kernel writes the gradient blocks, the
    /// pairwise kernel adds to them; both add to `weightGradient`.
    private func blockGradient(_ kernel: String, _ gathered: CUDAMatrix, order: Int, weights: CUDAMatrix,
                               upstream: CUDAMatrix, gradients: CUDAMatrix, weightGradient: CUDAMatrix) throws {
        try requireSameContext(kernel, gathered, weights, upstream, gradients, weightGradient)
        try requireSameShape(kernel, gathered, gradients)
        let (edges, blocks) = try memberBlocks(kernel, gathered, order: order)
        guard upstream.count == edges, weights.count == gathered.columns, weightGradient.count == weights.count else {
            throw HyperLearnError.invalidArgument("\(kernel): upstream \(upstream.count), weights \(weights.count), weight gradient \(weightGradient.count) for \(edges) hyperedges of rank \(gathered.columns)")
        }
        let outputs = (0..<order).map { address(of: gradients, row: $0 * edges) }
        try launch(kernel, edges * weights.count,
                   [.addressTable(blocks), .buffer(nil), .buffer(weights.buffer), .buffer(upstream.buffer),
                    .addressTable(outputs), .buffer(weightGradient.buffer), .int64(Int64(edges)), .int32(Int32(order)),
                    .int32(Int32(weights.count))])
    }

    public func concatenateMembers(_ gathered: CUDAMatrix, order: Int) throws -> CUDAMatrix {
        let (edges, _) = try memberBlocks("concatenateMembers", gathered, order: order)
        let (width, overflow) = order.multipliedReportingOverflow(by: gathered.columns)
        guard !overflow else {
            throw HyperLearnError.invalidArgument("concatenateMembers: \(gathered.rows)×\(gathered.columns) for order \(order)")
        }
        let result = try CUDAMatrix(rows: edges, columns: width, on: context)
        try launch("hl_concat_members", result.count, [.buffer(gathered.buffer), .buffer(result.buffer), .int64(Int64(edges)),
                                                       .int32(Int32(order)), .int32(Int32(gathered.columns))])
        return result
    }

    public func addSplitMembers(_ concatenated: CUDAMatrix, order: Int, to gradients: inout CUDAMatrix) throws {
        try requireSameContext("addSplitMembers", concatenated, gradients)
        guard order.multipliedReportingOverflow(by: gradients.columns) == (concatenated.columns, false),
              order.multipliedReportingOverflow(by: concatenated.rows) == (gradients.rows, false) else {
            throw HyperLearnError.invalidArgument("addSplitMembers: \(concatenated.rows)×\(concatenated.columns) into \(order) blocks of \(gradients.rows)×\(gradients.columns)")
        }
        try launch("hl_add_split_members", concatenated.count,
                   [.buffer(concatenated.buffer), .buffer(gradients.buffer), .int64(Int64(concatenated.rows)),
                    .int32(Int32(order)), .int32(Int32(gradients.columns))])
    }

    public func tanh(_ x: CUDAMatrix) throws -> CUDAMatrix {
        let y = try CUDAMatrix(rows: x.rows, columns: x.columns, on: context)
        try launch("hl_tanh", x.count, [.buffer(x.buffer), .buffer(y.buffer), .int64(Int64(x.count))])
        return y
    }

    public func tanhBackward(output: CUDAMatrix, upstream: CUDAMatrix) throws -> CUDAMatrix {
        try requireSameContext("tanhBackward", output, upstream)
        try requireSameShape("tanhBackward", output, upstream)
        let dx = try CUDAMatrix(rows: output.rows, columns: output.columns, on: context)
        try launch("hl_tanh_backward", output.count,
                   [.buffer(output.buffer), .buffer(upstream.buffer), .buffer(dx.buffer), .int64(Int64(output.count))])
        return dx
    }

    public func multiply(_ x: CUDAMatrix, _ y: CUDAMatrix) throws -> CUDAMatrix {
        try requireSameContext("multiply", x, y)
        try requireSameShape("multiply", x, y)
        let z = try CUDAMatrix(rows: x.rows, columns: x.columns, on: context)
        try launch("hl_multiply", x.count, [.buffer(x.buffer), .buffer(y.buffer), .buffer(z.buffer), .int64(Int64(x.count))])
        return z
    }

    public func memberAttention(queries: CUDAMatrix, keys: CUDAMatrix, values: CUDAMatrix, order: Int, heads: Int) throws
        -> (output: CUDAMatrix, weights: CUDAMatrix) {
        let edges = try attentionEdges("memberAttention", queries, keys, values, order: order, heads: heads)
        let output = try CUDAMatrix(rows: queries.rows, columns: queries.columns, on: context)
        let weights = try CUDAMatrix(rows: queries.rows, columns: heads * order, on: context)
        try launch("hl_member_attention", edges * heads,
                   [.buffer(queries.buffer), .buffer(keys.buffer), .buffer(values.buffer), .buffer(output.buffer),
                    .buffer(weights.buffer), .int64(Int64(edges)), .int32(Int32(order)), .int32(Int32(queries.columns)),
                    .int32(Int32(heads))])
        return (output, weights)
    }

    public func memberAttentionBackward(queries: CUDAMatrix, keys: CUDAMatrix, values: CUDAMatrix, weights: CUDAMatrix,
                                        upstream: CUDAMatrix, order: Int, heads: Int) throws
        -> (queries: CUDAMatrix, keys: CUDAMatrix, values: CUDAMatrix) {
        let edges = try attentionEdges("memberAttentionBackward", queries, keys, values, order: order, heads: heads)
        try requireSameContext("memberAttentionBackward", queries, weights, upstream)
        try requireSameShape("memberAttentionBackward", queries, upstream)
        guard weights.rows == queries.rows, weights.columns == heads * order else {
            throw HyperLearnError.invalidArgument("memberAttentionBackward: weights \(weights.rows)×\(weights.columns) for \(queries.rows) rows, \(heads) heads and order \(order)")
        }
        let dq = try CUDAMatrix(rows: queries.rows, columns: queries.columns, on: context)
        let dk = try CUDAMatrix(rows: queries.rows, columns: queries.columns, on: context)
        let dv = try CUDAMatrix(rows: queries.rows, columns: queries.columns, on: context)
        try launch("hl_member_attention_backward", edges * heads,
                   [.buffer(queries.buffer), .buffer(keys.buffer), .buffer(values.buffer), .buffer(weights.buffer),
                    .buffer(upstream.buffer), .buffer(dq.buffer), .buffer(dk.buffer), .buffer(dv.buffer),
                    .int64(Int64(edges)), .int32(Int32(order)), .int32(Int32(queries.columns)), .int32(Int32(heads))])
        return (dq, dk, dv)
    }

    /// The hyperedge count of attention operands, after checking their shapes, order and heads.
    private func attentionEdges(_ operation: String, _ queries: CUDAMatrix, _ keys: CUDAMatrix, _ values: CUDAMatrix,
                                order: Int, heads: Int) throws -> Int {
        try requireSameContext(operation, queries, keys, values)
        try requireSameShape(operation, queries, keys)
        try requireSameShape(operation, queries, values)
        // With no columns any head count divides them; the weights' `heads · order` columns must still be an Int.
        guard order >= 2, order <= CUDAKernelSource.maximumAttentionOrder, queries.rows % order == 0, heads >= 1,
              queries.columns % heads == 0, !heads.multipliedReportingOverflow(by: order).overflow else {
            throw HyperLearnError.invalidArgument("\(operation): \(queries.rows)×\(queries.columns) member blocks for order \(order) (2…\(CUDAKernelSource.maximumAttentionOrder)) and \(heads) heads (dividing the columns)")
        }
        return queries.rows / order
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

    /// The rows' bounds (taken at upload) are checked against the parameter. The kernel updates each
    /// listed row once per index, so the rows must be distinct: the engine passes a sampled pass's
    /// input rows, distinct by construction.
    public func adamStepRows(parameter: inout CUDAMatrix, gradient: CUDAMatrix, rows: CUDAIndices, firstMoment: inout CUDAMatrix,
                             secondMoment: inout CUDAMatrix, rule: AdamRule) throws {
        try requireSameContext("adamStepRows", parameter, gradient, firstMoment, secondMoment)
        try requireSameShape("adamStepRows", parameter, firstMoment)
        try requireSameShape("adamStepRows", parameter, secondMoment)
        guard gradient.rows == rows.count, gradient.columns == parameter.columns, rows.count <= parameter.rows else {
            throw HyperLearnError.invalidArgument("adamStepRows: a \(gradient.rows)×\(gradient.columns) gradient for \(rows.count) rows of \(parameter.rows)×\(parameter.columns)")
        }
        try rows.bounds.require("adamStepRows", rowsBelow: parameter.rows)
        try launch("hl_adam_rows", gradient.count,
                   [.buffer(parameter.buffer), .buffer(gradient.buffer), .buffer(rows.buffer), .buffer(firstMoment.buffer),
                    .buffer(secondMoment.buffer), .int64(Int64(gradient.count)), .int32(Int32(parameter.columns)),
                    .float(rule.stepSize), .float(rule.inverseRootCorrection2), .float(rule.beta1), .float(rule.beta2),
                    .float(rule.epsilon), .float(rule.shrink), .float(rule.coupledDecay)])
    }
}
