/// Checks every ``CUDABackend`` operation against a naive CPU loop on small random inputs, so that a
/// release binary on a GPU machine (no Swift toolchain, no test bundle) can prove its device path.
///
/// `hyperlearn selftest --device cuda` runs it and exits non-zero on any mismatch.
public enum CUDASelfTest {
    /// One operation's outcome.
    public struct Check: Sendable, CustomStringConvertible {
        /// The operation, e.g. `"gemm Aᵀ·B"`.
        public let name: String
        /// Largest `|gpu - cpu| / max(1, |cpu|)` over the result.
        public let maximumError: Float
        /// Whether `maximumError` is within tolerance.
        public let passed: Bool

        public var description: String {
            "\(passed ? "ok  " : "FAIL") \(name): max relative error \(maximumError)"
        }

        init(name: String, maximumError: Float, passed: Bool) {
            self.name = name
            self.maximumError = maximumError
            self.passed = passed
        }

        /// `actual` against `expected`: the largest `|a − e| / max(1, |e|)` (infinite for a size mismatch or NaN).
        init(_ name: String, _ actual: [Float], _ expected: [Float], tolerance: Float) {
            var worst: Float = actual.count == expected.count ? 0 : .infinity
            for (a, e) in zip(actual, expected) { worst = max(worst, abs(a - e) / max(1, abs(e))) }
            if worst.isNaN { worst = .infinity }
            self.init(name: name, maximumError: worst, passed: worst <= tolerance)
        }
    }

    /// Runs every check on `backend` with relative tolerance `tolerance`.
    public static func run(on backend: CUDABackend, tolerance: Float = 1e-4) throws -> [Check] {
        var checks: [Check] = []
        let context = backend.context
        func check(_ name: String, _ actual: [Float], _ expected: [Float]) {
            checks.append(Check(name, actual, expected, tolerance: tolerance))
        }
        var generator = SeededGenerator(seed: 42)
        func random(_ rows: Int, _ columns: Int) -> Matrix {
            Matrix(rows: rows, columns: columns, uncheckedStorage: (0..<(rows * columns)).map { _ in (2 * generator.unitFloat() - 1) })
        }
        func up(_ matrix: Matrix) throws -> CUDAMatrix { try CUDAMatrix(matrix, on: context) }

        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = ta ? random(33, 17) : random(17, 33), b = tb ? random(9, 33) : random(33, 9)
            let result = try backend.gemm(up(a), up(b), transposeA: ta, transposeB: tb).toMatrix()
            check("gemm \(ta ? "Aᵀ" : "A")·\(tb ? "Bᵀ" : "B")", result.storage, naiveProduct(a, b, ta, tb).storage)
        }

        let entries = (0..<60).map { _ in
            (row: Int(generator.next() % 20), column: Int(generator.next() % 30), value: (2 * generator.unitFloat() - 1))
        }
        let sparse = SparseMatrix(rows: 20, columns: 30, uncheckedEntries: entries)
        let dense = random(30, 8)
        check("spmm CSR·B", try backend.spmm(CUDASparseMatrix(sparse, on: context), up(dense)).toMatrix().storage,
              naiveProduct(sparse.dense, dense, false, false).storage)

        let table = random(40, 8)
        let indices = (0..<100).map { _ in Int32(generator.next() % 40) }
        let deviceIndices = try CUDAIndices(indices, on: context)
        let gathered = try backend.gatherRows(up(table), deviceIndices)
        check("gather rows", try gathered.toMatrix().storage, indices.flatMap { table.row(Int($0)) })
        let scattered = try CUDAMatrix(rows: 40, columns: 8, on: context)
        try backend.scatterAddRows(gathered, deviceIndices, into: scattered)
        var expectedScatter = Matrix(rows: 40, columns: 8)
        for target in indices { for c in 0..<8 { expectedScatter[Int(target), c] += table[Int(target), c] } }
        check("scatter-add rows", try scattered.toMatrix().storage, expectedScatter.storage)
        // The kernels do not range-check: an index past the table must be refused on the host, from
        // the bounds taken at upload, and leave the context usable (the gather is repeated after it).
        let refused: Bool
        do {
            _ = try backend.gatherRows(up(table), CUDAIndices([0, Int32(table.rows)], on: context))
            refused = false
        } catch HyperLearnError.invalidArgument {
            refused = true
        }
        checks.append(Check(name: "gather refuses an index past the table", maximumError: refused ? 0 : .infinity, passed: refused))
        check("gather rows after the refusal", try backend.gatherRows(up(table), deviceIndices).toMatrix().storage,
              indices.flatMap { table.row(Int($0)) })

        let x = random(300, 7), dy = random(300, 7), bias = random(1, 7)
        check("relu", try backend.relu(up(x)).toMatrix().storage, x.storage.map { max($0, 0) })
        check("relu backward", try backend.reluBackward(input: up(x), upstream: up(dy)).toMatrix().storage,
              zip(x.storage, dy.storage).map { $0 > 0 ? $1 : 0 })
        let y = try up(dy)
        try backend.axpy(0.5, up(x), y)
        try backend.scale(y, by: -3)
        try backend.addBias(up(bias), to: y)
        var expectedY = zip(x.storage, dy.storage).map { -3 * (0.5 * $0 + $1) }
        for i in 0..<300 { for j in 0..<7 { expectedY[i * 7 + j] += bias[0, j] } }
        check("axpy, scale, add bias", try y.toMatrix().storage, expectedY)
        check("column sums", try backend.columnSums(y).toMatrix().storage,
              (0..<7).map { j in (0..<300).reduce(Float(0)) { $0 + expectedY[$1 * 7 + j] } })
        check("sum", [try backend.sum(y)], [expectedY.reduce(0, +)])

        let rank = 16, order = 3, edges = 50
        let factors = [random(10, rank), random(12, rank), random(7, rank)]
        let lambda = random(1, rank), mu: Float = 0.25
        let members = (0..<edges).flatMap { _ in factors.map { Int32(generator.next() % UInt64($0.rows)) } }
        let upstream = random(edges, 1)
        let deviceFactors = try factors.map(up)
        let deviceMembers = try CUDAIndices(members, period: order, on: context)
        var expectedScores = [Float](repeating: mu, count: edges)
        var expectedRows = [[Float]](repeating: [Float](repeating: 0, count: edges * rank), count: order)
        var expectedLambda = [Float](repeating: 0, count: rank)
        for e in 0..<edges {
            for k in 0..<rank {
                let values = (0..<order).map { factors[$0][Int(members[e * order + $0]), k] }
                expectedScores[e] += lambda[0, k] * values.reduce(1, *)
                expectedLambda[k] += upstream[e, 0] * values.reduce(1, *)
                for j in 0..<order {
                    expectedRows[j][e * rank + k] = upstream[e, 0] * lambda[0, k]
                        * values.enumerated().filter { $0.offset != j }.map(\.element).reduce(1, *)
                }
            }
        }
        check("CP score", try backend.cpScore(factors: deviceFactors, members: deviceMembers, lambda: up(lambda),
                                              mu: up(Matrix([[mu]]))).toMatrix().storage, expectedScores)
        let lambdaGradient = try CUDAMatrix(rows: 1, columns: rank, on: context)
        let rows = try backend.cpGradient(factors: deviceFactors, members: deviceMembers, lambda: up(lambda),
                                          upstream: up(upstream), lambdaGradient: lambdaGradient)
        for j in 0..<order { check("CP gradient rows, factor \(j)", try rows[j].toMatrix().storage, expectedRows[j]) }
        check("CP λ gradient", try lambdaGradient.toMatrix().storage, expectedLambda)

        var parameter = random(5, 9)
        let p = try up(parameter), m = try CUDAMatrix(rows: 5, columns: 9, on: context)
        let v = try CUDAMatrix(rows: 5, columns: 9, on: context)
        var mHost = [Float](repeating: 0, count: 45), vHost = mHost
        for step in 1...3 {
            let gradient = random(5, 9)
            try backend.adamStep(parameter: p, gradient: up(gradient), firstMoment: m, secondMoment: v, step: step,
                                 learningRate: 0.01)
            let c1 = 1 - Float(Double(0.9).integerPower(step)), c2 = 1 - Float(Double(0.999).integerPower(step))
            for i in 0..<45 {
                let g = gradient.storage[i]
                mHost[i] = 0.9 * mHost[i] + 0.1 * g
                vHost[i] = 0.999 * vHost[i] + 0.001 * g * g
                parameter.storage[i] -= 0.01 * (mHost[i] / c1) / ((vHost[i] / c2).squareRoot() + 1e-8)
            }
        }
        check("Adam, 3 steps", try p.toMatrix().storage, parameter.storage)
        return checks + (try engineChecks(on: backend, tolerance: tolerance))
    }

    static func naiveProduct(_ a: Matrix, _ b: Matrix, _ ta: Bool, _ tb: Bool) -> Matrix {
        let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
        var c = Matrix(rows: m, columns: n)
        for i in 0..<m {
            for j in 0..<n {
                var total: Float = 0
                for p in 0..<k { total += (ta ? a[p, i] : a[i, p]) * (tb ? b[j, p] : b[p, j]) }
                c[i, j] = total
            }
        }
        return c
    }
}
