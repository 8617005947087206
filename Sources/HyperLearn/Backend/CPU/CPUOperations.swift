import Dispatch
import Foundation

/// ``TensorOperations`` on the CPU: host ``Matrix`` values and the BLAS-backed ``CPUKernels``.
///
/// Every output is written in place (the engine keeps its workspaces uniquely referenced, so no
/// write copies), and the decoder kernels read the member blocks directly through one pointer.
public struct CPUOperations: TensorOperations {
    /// Which simulated device this is: instances with different spaces act as separate devices, so
    /// that the sharded engine's transfers run (as copies) in tests on the CPU.
    public let space: Int

    public init(space: Int = 0) { self.space = space }

    public var deviceDescription: String { space == 0 ? "cpu" : "cpu (space \(space))" }
    public func sharesMemory(with other: CPUOperations) -> Bool { space == other.space }

    /// Shards run concurrently, each with its share of the worker threads (every body writes its own outputs).
    public func mapShards<T>(_ count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard count >= 0 else { throw HyperLearnError.invalidArgument("mapShards: negative count \(count)") }
        guard count > 1 else { return try (0..<count).map(body) }
        let total = CPUKernels.threadCount
        CPUKernels.setThreads(max(1, total / count))
        defer { CPUKernels.setThreads(total) }
        let results = ShardResults<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { s in
            results.set(s, Result { try body(s) })
        }
        return try results.values()
    }

    public func upload(_ matrix: Matrix) -> Matrix { matrix }
    public func upload(_ matrix: SparseMatrix) -> SparseMatrix { matrix }
    public func upload(_ indices: [Int32]) -> [Int32] { indices }
    public func download(_ tensor: Matrix) -> Matrix { tensor }
    public func zeros(rows: Int, columns: Int) throws -> Matrix {
        guard rows >= 0, columns >= 0, rows.multipliedReportingOverflow(by: columns).overflow == false else {
            throw HyperLearnError.invalidArgument("zeros: \(rows)×\(columns) is not a matrix shape")
        }
        return Matrix(rows: rows, columns: columns)
    }
    public func zero(_ x: inout Matrix) { x.fill(0) }

    public func reshape(_ x: inout Matrix, rows: Int, columns: Int) throws {
        guard rows >= 0, columns >= 0, !rows.multipliedReportingOverflow(by: columns).overflow,
              rows * columns <= x.storage.capacity else {
            throw HyperLearnError.invalidArgument("reshape: \(rows)×\(columns) does not fit the \(x.storage.capacity) elements allocated")
        }
        var storage = x.storage
        x = Matrix(rows: 0, columns: 0)  // the only reference left is `storage`: resizing keeps its buffer
        let count = rows * columns
        if storage.count > count {
            storage.removeLast(storage.count - count)
        } else if storage.count < count {
            storage.append(contentsOf: repeatElement(0, count: count - storage.count))
        }
        x = Matrix(rows: rows, columns: columns, uncheckedStorage: storage)
    }

    public func gemm(_ a: Matrix, _ b: Matrix, transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
                     into c: inout Matrix) throws {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kb, c.rows == m, c.columns == n else {
            throw HyperLearnError.invalidArgument("gemm: \(a.rows)×\(a.columns)\(transposeA ? "ᵀ" : "") × \(b.rows)×\(b.columns)\(transposeB ? "ᵀ" : "") into \(c.rows)×\(c.columns)")
        }
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)
    }

    public func spmm(_ a: SparseMatrix, _ b: Matrix, alpha: Float, beta: Float, into c: inout Matrix) throws {
        guard a.columns == b.rows, c.rows == a.rows, c.columns == b.columns else {
            throw HyperLearnError.invalidArgument("spmm: \(a.rows)×\(a.columns) (sparse) × \(b.rows)×\(b.columns) into \(c.rows)×\(c.columns)")
        }
        if alpha == 1 {
            CPUKernels.spmm(a, b, beta: beta, into: &c)
        } else {
            let product = a.uncheckedMultiply(b)
            c.scale(by: beta)
            c.uncheckedAdd(product, scaledBy: alpha)
        }
    }

    public func axpy(_ alpha: Float, _ x: Matrix, _ y: inout Matrix) throws { try y.add(x, scaledBy: alpha) }
    public func scale(_ x: inout Matrix, by alpha: Float) { x.scale(by: alpha) }
    public func addBias(_ bias: Matrix, to x: inout Matrix) throws { try x.addRowVector(bias) }

    public func accumulateColumnSums(_ x: Matrix, into sums: inout Matrix) throws {
        guard sums.storage.count == x.columns else {
            throw HyperLearnError.invalidArgument("accumulateColumnSums: \(x.rows)×\(x.columns) into \(sums.rows)×\(sums.columns)")
        }
        CPUKernels.accumulateColumnSums(x, into: &sums)
    }

    public func accumulateDot(_ x: Matrix, _ y: Matrix, scale: Float, into loss: inout Matrix) throws {
        guard !loss.storage.isEmpty else { throw HyperLearnError.invalidArgument("accumulateDot: an empty accumulator") }
        loss.storage[0] += Float(Double(scale) * (try x.dot(y)))
    }

    public func reluDropout(_ x: inout Matrix, mask: DropoutMask?) {
        CPUKernels.reluDropout(&x, mask: mask)
    }

    public func reluDropoutBackward(output: Matrix, gradient: inout Matrix, mask: DropoutMask?) throws {
        try requireSameShape("reluDropoutBackward", output, gradient)
        CPUKernels.reluDropoutBackward(&gradient, output: output, mask: mask)
    }

    /// In blocks of rows: the only full-size matrix is the activation, which the result overwrites.
    public func reluDropoutBackwardProduct(_ dt: Matrix, weight: Matrix, root: (upstream: Matrix, weight: Matrix)?,
                                           mask: DropoutMask?, rows: Int, columns: Int, activation: inout Matrix) throws {
        let rootFits = root.map { $0.upstream.rows == rows && $0.weight.rows == columns && $0.weight.columns == $0.upstream.columns } ?? true
        guard activation.rows == rows, activation.columns == columns, dt.rows == rows, weight.rows == columns,
              weight.columns == dt.columns, rootFits else {
            let rootShape = root.map { ", root \($0.upstream.rows)×\($0.upstream.columns) · (\($0.weight.rows)×\($0.weight.columns))ᵀ" } ?? ""
            throw HyperLearnError.invalidArgument("reluDropoutBackwardProduct: \(dt.rows)×\(dt.columns) · (\(weight.rows)×\(weight.columns))ᵀ\(rootShape) over an activation of \(activation.rows)×\(activation.columns), expected \(rows)×\(columns)")
        }
        CPUKernels.reluDropoutBackwardProduct(dt, weight: weight, root: root, mask: mask, activation: &activation)
    }

    public func gatherRows(_ source: Matrix, _ indices: [Int32], into destination: inout Matrix, atRow row: Int) throws {
        // `row <= rows − count`, not `row + count <= rows`: a caller's row near `Int.max` must not overflow.
        guard destination.columns == source.columns, row >= 0, row <= destination.rows - indices.count else {
            throw HyperLearnError.invalidArgument("gatherRows: \(indices.count) rows of width \(source.columns) into rows from \(row) of \(destination.rows)×\(destination.columns)")
        }
        try requireIndices("gatherRows", indices, below: source.rows)
        CPUKernels.gatherRows(source, indices: indices, stride: 1, offset: 0, range: 0..<indices.count,
                              into: &destination, outputRow: row)
    }

    public func scatterAddRows(_ source: Matrix, fromRow row: Int, _ indices: [Int32], into destination: inout Matrix) throws {
        guard destination.columns == source.columns, row >= 0, row <= source.rows - indices.count else {
            throw HyperLearnError.invalidArgument("scatterAddRows: \(indices.count) rows from \(row) of \(source.rows)×\(source.columns) into width \(destination.columns)")
        }
        try requireIndices("scatterAddRows", indices, below: destination.rows)
        CPUKernels.scatterAddRows(source, sourceRow: row, count: indices.count, indices: indices, stride: 1, offset: 0,
                                  rangeStart: 0, into: &destination)
    }

    public func scatterAddRowBlocks(_ source: Matrix, fromRows: [Int], _ indices: [[Int32]], targets: [Int],
                                    into destinations: inout [Matrix]) throws {
        try requireRowBlocks(source, fromRows: fromRows, indices.map(\.count), targets: targets, destinations.count)
        for (b, blockIndices) in indices.enumerated() {
            guard destinations[targets[b]].columns == source.columns else {
                throw HyperLearnError.invalidArgument("scatterAddRowBlocks: block \(b) of width \(source.columns) into width \(destinations[targets[b]].columns)")
            }
            try requireIndices("scatterAddRowBlocks", blockIndices, below: destinations[targets[b]].rows)
        }
        CPUKernels.scatterAddRowBlocks(source, fromRows: fromRows, indices: indices, targets: targets, into: &destinations)
    }

    public func copyRows(_ source: Matrix, into destination: inout Matrix, atRow row: Int) throws {
        guard source.columns == destination.columns, row >= 0, row <= destination.rows - source.rows else {
            throw HyperLearnError.invalidArgument("copyRows: \(source.rows)×\(source.columns) into rows from \(row) of \(destination.rows)×\(destination.columns)")
        }
        let start = row * destination.columns
        destination.storage.replaceSubrange(start..<(start + source.storage.count), with: source.storage)
    }

    public func addMemberSums(_ blocks: Matrix, order: Int, to scores: inout Matrix) throws {
        let edges = scores.storage.count
        guard order >= 1, order.multipliedReportingOverflow(by: edges) == (blocks.storage.count, false) else {
            throw HyperLearnError.invalidArgument("addMemberSums: \(blocks.rows)×\(blocks.columns) for \(order) blocks of \(edges)")
        }
        for e in 0..<edges {
            var sum: Float = 0
            for j in 0..<order { sum += blocks.storage[j * edges + e] }
            scores.storage[e] += sum
        }
    }

    public func addCPScores(_ gathered: Matrix, order: Int, lambda: Matrix, mu: Matrix, to scores: inout Matrix) throws {
        try requireBlocks("addCPScores", gathered, order: order, scores: scores, weights: lambda)
        guard mu.storage.count == 1 else { throw HyperLearnError.invalidArgument("addCPScores: μ is \(mu.rows)×\(mu.columns)") }
        CPUKernels.cpForward(gathered, order: order, capacity: scores.rows, count: scores.rows,
                             lambda: lambda.storage, mu: mu.storage[0], scores: &scores.storage)
    }

    public func cpGradient(_ gathered: Matrix, order: Int, lambda: Matrix, upstream: Matrix,
                           into gradients: inout Matrix, lambdaGradient: inout Matrix) throws {
        try requireGradientOperands("cpGradient", gathered, order: order, upstream: upstream, weights: lambda,
                                    gradients: gradients, weightGradient: lambdaGradient)
        addingDoubleSums(into: &lambdaGradient) { sums in
            CPUKernels.cpBackward(gathered, order: order, capacity: upstream.rows, count: upstream.rows,
                                  lambda: lambda.storage, scoreGradient: upstream.storage,
                                  gatheredGradients: &gradients, lambdaGradient: &sums)
        }
    }

    public func addPairwiseScores(_ gathered: Matrix, order: Int, nu: Matrix, to scores: inout Matrix) throws {
        try requireBlocks("addPairwiseScores", gathered, order: order, scores: scores, weights: nu)
        CPUKernels.pairwiseForward(gathered, order: order, capacity: scores.rows, count: scores.rows,
                                   nu: nu.storage, scores: &scores.storage)
    }

    public func pairwiseGradient(_ gathered: Matrix, order: Int, nu: Matrix, upstream: Matrix,
                                 addingTo gradients: inout Matrix, nuGradient: inout Matrix) throws {
        try requireGradientOperands("pairwiseGradient", gathered, order: order, upstream: upstream, weights: nu,
                                    gradients: gradients, weightGradient: nuGradient)
        addingDoubleSums(into: &nuGradient) { sums in
            CPUKernels.pairwiseBackward(gathered, order: order, capacity: upstream.rows, count: upstream.rows,
                                        nu: nu.storage, scoreGradient: upstream.storage,
                                        gatheredGradients: &gradients, nuGradient: &sums)
        }
    }

    /// Runs a kernel that accumulates a weight gradient in double precision, then adds it to `weightGradient`.
    private func addingDoubleSums(into weightGradient: inout Matrix, _ kernel: (inout [Double]) -> Void) {
        var sums = [Double](repeating: 0, count: weightGradient.storage.count)
        kernel(&sums)
        for k in sums.indices { weightGradient.storage[k] += Float(sums[k]) }
    }

    public func concatenateMembers(_ gathered: Matrix, order: Int) throws -> Matrix {
        guard order >= 1, gathered.rows % order == 0, !order.multipliedReportingOverflow(by: gathered.columns).overflow else {
            throw HyperLearnError.invalidArgument("concatenateMembers: \(gathered.rows)×\(gathered.columns) for order \(order)")
        }
        let d = gathered.columns, edges = gathered.rows / order
        var result = Matrix(rows: edges, columns: order * d)
        for e in 0..<edges {
            for j in 0..<order {
                let source = (j * edges + e) * d, target = e * order * d + j * d
                for k in 0..<d { result.storage[target + k] = gathered.storage[source + k] }
            }
        }
        return result
    }

    public func addSplitMembers(_ concatenated: Matrix, order: Int, to gradients: inout Matrix) throws {
        let d = gradients.columns, edges = concatenated.rows
        guard order.multipliedReportingOverflow(by: d) == (concatenated.columns, false),
              order.multipliedReportingOverflow(by: edges) == (gradients.rows, false) else {
            throw HyperLearnError.invalidArgument("addSplitMembers: \(concatenated.rows)×\(concatenated.columns) into \(order) blocks of \(gradients.rows)×\(gradients.columns)")
        }
        for e in 0..<edges {
            for j in 0..<order {
                let target = (j * edges + e) * d, source = e * order * d + j * d
                for k in 0..<d { gradients.storage[target + k] += concatenated.storage[source + k] }
            }
        }
    }

    public func tanh(_ x: Matrix) -> Matrix { MemberAttentionKernels.tanh(x) }

    public func tanhBackward(output: Matrix, upstream: Matrix) throws -> Matrix {
        try requireSameShape("tanhBackward", output, upstream)
        return MemberAttentionKernels.tanhBackward(output: output, upstream: upstream)
    }

    public func multiply(_ x: Matrix, _ y: Matrix) throws -> Matrix {
        try requireSameShape("multiply", x, y)
        return MemberAttentionKernels.multiply(x, y)
    }

    public func memberAttention(queries: Matrix, keys: Matrix, values: Matrix, order: Int, heads: Int) throws
        -> (output: Matrix, weights: Matrix) {
        try requireAttentionOperands("memberAttention", queries, keys, values, order: order, heads: heads)
        return MemberAttentionKernels.forward(queries: queries, keys: keys, values: values, order: order, heads: heads)
    }

    public func memberAttentionBackward(queries: Matrix, keys: Matrix, values: Matrix, weights: Matrix, upstream: Matrix,
                                        order: Int, heads: Int) throws -> (queries: Matrix, keys: Matrix, values: Matrix) {
        try requireAttentionOperands("memberAttentionBackward", queries, keys, values, order: order, heads: heads)
        try requireSameShape("memberAttentionBackward", queries, upstream)
        guard weights.rows == queries.rows, weights.columns == heads * order else {
            throw HyperLearnError.invalidArgument("memberAttentionBackward: weights \(weights.rows)×\(weights.columns) for \(queries.rows) rows, \(heads) heads and order \(order)")
        }
        return MemberAttentionKernels.backward(queries: queries, keys: keys, values: values, weights: weights,
                                               upstream: upstream, order: order, heads: heads)
    }

    public func logisticLoss(scores: Matrix, positives: Int, normalizer: Float, lossScale: Float,
                             gradient: inout Matrix, loss: inout Matrix) throws {
        try requireSameShape("logisticLoss", scores, gradient)
        guard (0...scores.storage.count).contains(positives), !loss.storage.isEmpty else {
            throw HyperLearnError.invalidArgument("logisticLoss: \(positives) positives of \(scores.storage.count) scores")
        }
        let s = scores.storage
        var total = 0.0
        var part = [Float](repeating: 0, count: s.count)
        total += try HyperLearn.logisticLoss(scores: s[0..<positives], label: true, normalizer: 1, gradient: &part)
        for e in 0..<positives { gradient.storage[e] = part[e] / normalizer }
        total += try HyperLearn.logisticLoss(scores: s[positives...], label: false, normalizer: 1, gradient: &part)
        for e in positives..<s.count { gradient.storage[e] = part[e - positives] / normalizer }
        loss.storage[0] += Float(total) * lossScale
    }

    public func squaredErrorLoss(scores: Matrix, targets: Matrix, normalizer: Float, lossScale: Float,
                                 gradient: inout Matrix, loss: inout Matrix) throws {
        try requireSameShape("squaredErrorLoss", scores, targets)
        try requireSameShape("squaredErrorLoss", scores, gradient)
        guard !loss.storage.isEmpty else { throw HyperLearnError.invalidArgument("squaredErrorLoss: an empty accumulator") }
        let total = try HyperLearn.squaredErrorLoss(scores: scores.storage[...], targets: targets.storage[...],
                                                normalizer: normalizer, gradient: &gradient.storage)
        loss.storage[0] += Float(total * Double(normalizer)) * lossScale
    }

    public func adamStep(parameter: inout Matrix, gradient: Matrix, firstMoment: inout Matrix,
                         secondMoment: inout Matrix, rule: AdamRule) throws {
        try requireSameShape("adamStep", parameter, gradient)
        try requireSameShape("adamStep", parameter, firstMoment)
        try requireSameShape("adamStep", parameter, secondMoment)
        CPUKernels.adam(value: &parameter.storage, gradient: gradient.storage, firstMoment: &firstMoment.storage,
                        secondMoment: &secondMoment.storage, rule: rule)
    }

    public func adamStepRows(parameter: inout Matrix, gradient: Matrix, rows: [Int32], firstMoment: inout Matrix,
                             secondMoment: inout Matrix, rule: AdamRule) throws {
        try requireSameShape("adamStepRows", parameter, firstMoment)
        try requireSameShape("adamStepRows", parameter, secondMoment)
        guard gradient.rows == rows.count, gradient.columns == parameter.columns else {
            throw HyperLearnError.invalidArgument("adamStepRows: a \(gradient.rows)×\(gradient.columns) gradient for \(rows.count) rows of \(parameter.rows)×\(parameter.columns)")
        }
        try requireIndices("adamStepRows", rows, below: parameter.rows)
        var slots = [Int32](repeating: -1, count: parameter.rows)
        for (r, row) in rows.enumerated() {
            guard slots[Int(row)] < 0 else { throw HyperLearnError.invalidArgument("adamStepRows: row \(row) appears twice") }
            slots[Int(row)] = Int32(r)
        }
        CPUKernels.adamRows(value: &parameter.storage, gradient: gradient.storage, slots: slots, columns: parameter.columns,
                            firstMoment: &firstMoment.storage, secondMoment: &secondMoment.storage, rule: rule)
    }

    // MARK: Checks

    private func requireAttentionOperands(_ operation: String, _ queries: Matrix, _ keys: Matrix, _ values: Matrix,
                                          order: Int, heads: Int) throws {
        try requireSameShape(operation, queries, keys)
        try requireSameShape(operation, queries, values)
        // With no columns any head count divides them; the weights' `heads · order` columns must still be an Int.
        guard order >= 2, order <= InputLimits.maximumOrder, queries.rows % order == 0, heads >= 1,
              queries.columns % heads == 0, !heads.multipliedReportingOverflow(by: order).overflow else {
            throw HyperLearnError.invalidArgument("\(operation): \(queries.rows)×\(queries.columns) member blocks for order \(order) (2…\(InputLimits.maximumOrder)) and \(heads) heads (dividing the columns)")
        }
    }

    private func requireSameShape(_ operation: String, _ x: Matrix, _ y: Matrix) throws {
        guard x.rows == y.rows, x.columns == y.columns else {
            throw HyperLearnError.invalidArgument("\(operation): \(x.rows)×\(x.columns) and \(y.rows)×\(y.columns) differ")
        }
    }

    /// Block `b` of `counts[b]` rows from `fromRows[b]` lies inside `source`, and `targets[b]` names a destination.
    private func requireRowBlocks(_ source: Matrix, fromRows: [Int], _ counts: [Int], targets: [Int], _ destinations: Int) throws {
        guard fromRows.count == counts.count, targets.count == counts.count else {
            throw HyperLearnError.invalidArgument("scatterAddRowBlocks: \(fromRows.count) offsets, \(counts.count) index blocks and \(targets.count) targets")
        }
        for b in counts.indices {
            guard fromRows[b] >= 0, fromRows[b] <= source.rows - counts[b], (0..<destinations).contains(targets[b]) else {
                throw HyperLearnError.invalidArgument("scatterAddRowBlocks: block \(b) (\(counts[b]) rows from \(fromRows[b]) of \(source.rows), destination \(targets[b]) of \(destinations))")
            }
        }
    }

    private func requireIndices(_ operation: String, _ indices: [Int32], below bound: Int) throws {
        // The bounds first, in one vectorised pass (this runs on every gather and scatter of every
        // step); the offending index is looked for only when there is one.
        guard let bounds = IndexBounds(indices), !bounds.isWithin(rows: bound) else { return }
        let bad = indices.first { $0 < 0 || Int($0) >= bound }!
        throw HyperLearnError.invalidArgument("\(operation): row \(bad) outside 0..<\(bound)")
    }

    /// A decoder gradient's operands: member blocks, one upstream value per hyperedge, gradient blocks
    /// of the blocks' shape and a weight gradient of the weights' shape.
    private func requireGradientOperands(_ operation: String, _ gathered: Matrix, order: Int, upstream: Matrix,
                                         weights: Matrix, gradients: Matrix, weightGradient: Matrix) throws {
        try requireBlocks(operation, gathered, order: order, scores: upstream, weights: weights)
        try requireSameShape(operation, gathered, gradients)
        try requireSameShape(operation, weights, weightGradient)
    }

    /// `order` member blocks of `E` rows (`E` = the scores' count), each of the weights' width.
    private func requireBlocks(_ operation: String, _ gathered: Matrix, order: Int, scores: Matrix, weights: Matrix) throws {
        guard order >= 1, order.multipliedReportingOverflow(by: scores.storage.count) == (gathered.rows, false), scores.columns == 1,
              weights.storage.count == gathered.columns else {
            throw HyperLearnError.invalidArgument("\(operation): \(gathered.rows)×\(gathered.columns) member rows, \(scores.rows)×\(scores.columns) scores and \(weights.storage.count) weights do not fit order \(order)")
        }
    }
}

/// The results of concurrently run shards, one slot each (a lock orders the writes).
private final class ShardResults<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<T, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func values() throws -> [T] { try slots.map { try $0!.get() } }
}
