@testable import HyperLearn
import XCTest

/// Each device operation against a naive CPU loop written here. Skips without a CUDA device.
final class CUDAParityTests: XCTestCase {
    private var gpu: CUDABackend!

    override func setUpWithError() throws {
        gpu = try Self.requireCUDA()
    }

    /// The backend, or an `XCTSkip` that says why there is none.
    static func requireCUDA() throws -> CUDABackend {
        do {
            return try CUDABackend()
        } catch let HyperLearnError.device(reason) {
            throw XCTSkip("no CUDA device: \(reason)")
        } catch let error as CUDAError {
            throw XCTSkip("no CUDA device: \(error)")
        }
    }

    // MARK: Helpers

    /// Deterministic pseudo-random values in [-1, 1).
    private func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        let values = (0..<(rows * columns)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2000) / 1000 - 1
        }
        return Matrix(rows: rows, columns: columns, uncheckedStorage: values)
    }

    private func upload(_ matrix: Matrix) throws -> CUDAMatrix { try CUDAMatrix(matrix, on: gpu.context) }

    private func assertClose(_ actual: Matrix, _ expected: Matrix, rtol: Float = 1e-4, atol: Float = 1e-5,
                             _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.rows, expected.rows, "\(what): rows", file: file, line: line)
        XCTAssertEqual(actual.columns, expected.columns, "\(what): columns", file: file, line: line)
        for (index, (a, e)) in zip(actual.storage, expected.storage).enumerated() where abs(a - e) > atol + rtol * abs(e) {
            XCTFail("\(what): element \(index) is \(a), expected \(e)", file: file, line: line)
            return
        }
    }

    // MARK: Dense and sparse products

    func testGemmAllTransposes() throws {
        for ta in [false, true] {
            for tb in [false, true] {
                let a = randomMatrix(ta ? 7 : 5, ta ? 5 : 7, seed: 1)
                let b = randomMatrix(tb ? 3 : 7, tb ? 7 : 3, seed: 2)
                let c = try gpu.gemm(upload(a), upload(b), transposeA: ta, transposeB: tb).toMatrix()
                assertClose(c, CUDASelfTest.naiveProduct(a, b, ta, tb), "gemm ta=\(ta) tb=\(tb)")
            }
        }
    }

    func testGemmAccumulatesWithBeta() throws {
        let a = randomMatrix(4, 6, seed: 3), b = randomMatrix(6, 2, seed: 4), c0 = randomMatrix(4, 2, seed: 5)
        let c = try upload(c0)
        try gpu.gemm(upload(a), upload(b), alpha: 2, beta: 0.5, into: c)
        var expected = CUDASelfTest.naiveProduct(a, b, false, false)
        for i in expected.storage.indices { expected.storage[i] = 2 * expected.storage[i] + 0.5 * c0.storage[i] }
        assertClose(try c.toMatrix(), expected, "gemm beta")
    }

    func testGemmRejectsBadShapes() throws {
        XCTAssertThrowsError(try gpu.gemm(upload(randomMatrix(2, 3, seed: 1)), upload(randomMatrix(2, 3, seed: 2))))
    }

    func testSparseTimesDense() throws {
        let sparse = try SparseMatrix(rows: 4, columns: 5, entries: [
            (0, 1, 2), (0, 4, -1), (1, 0, 0.5), (2, 2, 3), (2, 3, 1), (3, 4, 4), (3, 0, -2),
        ])
        let b = randomMatrix(5, 3, seed: 6)
        let c = try gpu.spmm(CUDASparseMatrix(sparse, on: gpu.context), upload(b)).toMatrix()
        assertClose(c, CUDASelfTest.naiveProduct(sparse.dense, b, false, false), "spmm")
        XCTAssertThrowsError(try gpu.spmm(CUDASparseMatrix(sparse, on: gpu.context), upload(randomMatrix(4, 3, seed: 1))))
    }

    // MARK: Rows by index

    func testGatherAndScatterAddRows() throws {
        let source = randomMatrix(6, 4, seed: 7)
        let indices: [Int32] = [5, 0, 0, 3]
        let gathered = try gpu.gatherRows(upload(source), CUDAIndices(indices, on: gpu.context)).toMatrix()
        assertClose(gathered, try Matrix(indices.map { source.row(Int($0)) }), "gather")

        let destination = try upload(Matrix(rows: 6, columns: 4, repeating: 1))
        try gpu.scatterAddRows(upload(gathered), CUDAIndices(indices, on: gpu.context), into: destination)
        var expected = Matrix(rows: 6, columns: 4, repeating: 1)
        for (r, target) in indices.enumerated() {
            for c in 0..<4 { expected[Int(target), c] += gathered[r, c] }
        }
        assertClose(try destination.toMatrix(), expected, "scatter-add (repeated index 0)")
    }

    /// The kernels do not range-check: an index outside the matrix is refused on the host, from the
    /// bounds taken at upload, before any launch (an out-of-range launch would poison the context).
    func testOutOfRangeIndicesAreRefusedBeforeTheLaunch() throws {
        let source = try upload(randomMatrix(6, 4, seed: 7))
        for bad: [Int32] in [[0, 6], [-1, 2]] {
            let indices = try CUDAIndices(bad, on: gpu.context)
            let bounds = try XCTUnwrap(IndexBounds(bad))
            XCTAssertEqual(indices.bounds, bounds)
            assertInvalidArgument(try gpu.gatherRows(source, indices), mentioning: "gatherRows: indices \(bounds) outside the 6 rows")
            assertInvalidArgument(try gpu.scatterAddRows(upload(randomMatrix(2, 4, seed: 8)), indices, into: source),
                                  mentioning: "scatterAddRows: indices \(bounds) outside the 6 rows")
            var destination = try upload(Matrix(rows: 2, columns: 4))
            assertInvalidArgument(try gpu.gatherRows(source, indices, into: &destination, atRow: 0), mentioning: "outside the 6 rows")
        }
        let factors = try [randomMatrix(3, 2, seed: 1), randomMatrix(5, 2, seed: 2)].map(upload)
        let lambda = try upload(randomMatrix(1, 2, seed: 3))
        // Index 4 fits the second factor's 5 rows, not the first's 3: bounds are kept per member position.
        assertInvalidArgument(try gpu.cpScore(factors: factors, members: CUDAIndices([Int32]([4, 0]), period: 2, on: gpu.context),
                                              lambda: lambda),
                              mentioning: "cpScore: indices 4 outside the 3 rows of factor 0")
        XCTAssertNoThrow(try gpu.cpScore(factors: factors, members: CUDAIndices([Int32]([0, 4]), period: 2, on: gpu.context),
                                         lambda: lambda))
        assertInvalidArgument(try gpu.cpScore(factors: factors, members: CUDAIndices([Int32]([0, 4]), on: gpu.context),
                                              lambda: lambda),
                              mentioning: "members uploaded in rows of 1 for order 2")
    }

    // MARK: Element-wise

    func testReluForwardAndBackward() throws {
        let x = randomMatrix(5, 3, seed: 8), dy = randomMatrix(5, 3, seed: 9)
        let y = try gpu.relu(upload(x)).toMatrix()
        let dx = try gpu.reluBackward(input: upload(x), upstream: upload(dy)).toMatrix()
        assertClose(y, try Matrix(rows: 5, columns: 3, storage: x.storage.map { max($0, 0) }), "relu")
        assertClose(dx, try Matrix(rows: 5, columns: 3, storage: zip(x.storage, dy.storage).map { $0 > 0 ? $1 : 0 }),
                    "relu backward")
    }

    func testAxpyScaleBiasColumnSumsAndSum() throws {
        let x = randomMatrix(300, 3, seed: 10), y0 = randomMatrix(300, 3, seed: 11), bias = randomMatrix(1, 3, seed: 12)
        let y = try upload(y0)
        try gpu.axpy(0.25, upload(x), y)
        var expected = try Matrix(rows: 300, columns: 3, storage: zip(x.storage, y0.storage).map { 0.25 * $0 + $1 })
        assertClose(try y.toMatrix(), expected, "axpy")

        try gpu.scale(y, by: -2)
        expected.storage = expected.storage.map { -2 * $0 }
        assertClose(try y.toMatrix(), expected, "scale")

        try gpu.addBias(upload(bias), to: y)
        for i in 0..<300 { for j in 0..<3 { expected[i, j] += bias[0, j] } }
        assertClose(try y.toMatrix(), expected, "add bias")

        let sums = try gpu.columnSums(y).toMatrix()
        let expectedSums = (0..<3).map { j in (0..<300).reduce(Float(0)) { $0 + expected[$1, j] } }
        assertClose(sums, try Matrix([expectedSums]), rtol: 1e-4, atol: 1e-4, "column sums (two row chunks)")

        let total = try gpu.sum(y)
        let expectedTotal = expected.storage.reduce(0, +)
        XCTAssertEqual(total, expectedTotal, accuracy: 1e-4 * max(1, abs(expectedTotal)) + 1e-3, "sum")
        XCTAssertThrowsError(try gpu.addBias(upload(randomMatrix(1, 2, seed: 1)), to: y))
    }

    // MARK: CP decoder

    func testCPScoreAndGradientRows() throws {
        let rank = 4
        let factors = [randomMatrix(3, rank, seed: 20), randomMatrix(5, rank, seed: 21), randomMatrix(2, rank, seed: 22)]
        let lambda = randomMatrix(1, rank, seed: 23), mu: Float = 0.3
        let members: [[Int32]] = [[0, 4, 1], [2, 2, 0], [1, 0, 1], [0, 4, 1]]
        let upstream = randomMatrix(members.count, 1, seed: 24)
        let deviceFactors = try factors.map(upload)
        let deviceMembers = try CUDAIndices(members.flatMap { $0 }, period: 3, on: gpu.context)

        let scores = try gpu.cpScore(factors: deviceFactors, members: deviceMembers, lambda: upload(lambda),
                                     mu: upload(Matrix([[mu]]))).toMatrix()
        var expectedScores = Matrix(rows: members.count, columns: 1)
        for (e, edge) in members.enumerated() {
            var total = mu
            for k in 0..<rank {
                var product = lambda[0, k]
                for (j, i) in edge.enumerated() { product *= factors[j][Int(i), k] }
                total += product
            }
            expectedScores[e, 0] = total
        }
        assertClose(scores, expectedScores, "cp score")

        let lambdaGradient = try upload(Matrix(rows: 1, columns: rank, repeating: 1))
        let rows = try gpu.cpGradient(factors: deviceFactors, members: deviceMembers, lambda: upload(lambda),
                                      upstream: upload(upstream), lambdaGradient: lambdaGradient)
        XCTAssertEqual(rows.count, 3)
        var expectedLambda = Matrix(rows: 1, columns: rank, repeating: 1)
        for j in 0..<3 {
            var expected = Matrix(rows: members.count, columns: rank)
            for (e, edge) in members.enumerated() {
                for k in 0..<rank {
                    var product = upstream[e, 0] * lambda[0, k]
                    for (l, i) in edge.enumerated() where l != j { product *= factors[l][Int(i), k] }
                    expected[e, k] = product
                }
            }
            assertClose(try rows[j].toMatrix(), expected, "cp gradient rows of factor \(j)")
        }
        for (e, edge) in members.enumerated() {
            for k in 0..<rank {
                var product = upstream[e, 0]
                for (j, i) in edge.enumerated() { product *= factors[j][Int(i), k] }
                expectedLambda[0, k] += product
            }
        }
        assertClose(try lambdaGradient.toMatrix(), expectedLambda, "cp λ gradient (accumulated)")
        XCTAssertThrowsError(try gpu.cpScore(factors: deviceFactors, members: CUDAIndices([Int32(0)], on: gpu.context),
                                             lambda: upload(lambda)))
    }

    /// The pairwise-interaction kernels against their definition written out.
    func testPairwiseScoreAndGradientRows() throws {
        let rank = 3
        let factors = [randomMatrix(3, rank, seed: 25), randomMatrix(5, rank, seed: 26), randomMatrix(2, rank, seed: 27)]
        let nu = randomMatrix(1, rank, seed: 28)
        let members: [[Int32]] = [[0, 4, 1], [2, 2, 0], [1, 0, 1]]
        let upstream = randomMatrix(members.count, 1, seed: 29)
        let deviceFactors = try factors.map(upload)
        let deviceMembers = try CUDAIndices(members.flatMap { $0 }, period: 3, on: gpu.context)
        var expectedScores = Matrix(rows: members.count, columns: 1)
        var expectedNu = Matrix(rows: 1, columns: rank)
        var expectedRows = [Matrix](repeating: Matrix(rows: members.count, columns: rank), count: 3)
        for (e, edge) in members.enumerated() {
            for k in 0..<rank {
                let values = edge.enumerated().map { factors[$0.offset][Int($0.element), k] }
                var pairs: Float = 0
                for j in 0..<3 { for l in (j + 1)..<3 { pairs += values[j] * values[l] } }
                expectedScores[e, 0] += nu[0, k] * pairs
                expectedNu[0, k] += upstream[e, 0] * pairs
                for j in 0..<3 { expectedRows[j][e, k] = upstream[e, 0] * nu[0, k] * (values.reduce(0, +) - values[j]) }
            }
        }
        assertClose(try gpu.pairwiseScore(factors: deviceFactors, members: deviceMembers, nu: upload(nu)).toMatrix(),
                    expectedScores, "pairwise score")
        let nuGradient = try CUDAMatrix(rows: 1, columns: rank, on: gpu.context)
        let rows = try gpu.pairwiseGradient(factors: deviceFactors, members: deviceMembers, nu: upload(nu),
                                            upstream: upload(upstream), nuGradient: nuGradient)
        for j in 0..<3 { assertClose(try rows[j].toMatrix(), expectedRows[j], "pairwise gradient rows of factor \(j)") }
        assertClose(try nuGradient.toMatrix(), expectedNu, "pairwise ν gradient")
    }

    // MARK: Optimiser

    func testAdamTwoSteps() throws {
        let count = 10
        var parameter = randomMatrix(2, 5, seed: 30)
        let gradients = [randomMatrix(2, 5, seed: 31), randomMatrix(2, 5, seed: 32)]
        let p = try upload(parameter)
        let m = try CUDAMatrix(rows: 2, columns: 5, on: gpu.context), v = try CUDAMatrix(rows: 2, columns: 5, on: gpu.context)
        var mHost = [Float](repeating: 0, count: count), vHost = mHost
        let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.01, 0.9, 0.999, 1e-8)
        for (t, gradient) in gradients.enumerated() {
            try gpu.adamStep(parameter: p, gradient: upload(gradient), firstMoment: m, secondMoment: v, step: t + 1,
                             learningRate: lr)
            let c1 = 1 - Float(pow(Double(b1), Double(t + 1))), c2 = 1 - Float(pow(Double(b2), Double(t + 1)))
            for i in 0..<count {
                let g = gradient.storage[i]
                mHost[i] = b1 * mHost[i] + (1 - b1) * g
                vHost[i] = b2 * vHost[i] + (1 - b2) * g * g
                parameter.storage[i] -= lr * (mHost[i] / c1) / ((vHost[i] / c2).squareRoot() + eps)
            }
        }
        assertClose(try p.toMatrix(), parameter, "adam parameter")
        assertClose(try m.toMatrix(), try Matrix(rows: 2, columns: 5, storage: mHost), "adam first moment")
        XCTAssertThrowsError(try gpu.adamStep(parameter: p, gradient: p, firstMoment: m, secondMoment: v, step: 0,
                                              learningRate: lr))
    }

    // MARK: Memory

    func testOutOfMemoryThrowsReadableError() throws {
        XCTAssertThrowsError(try gpu.context.allocate(byteCount: 1 << 50)) { error in
            guard case let HyperLearnError.device(message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.hasPrefix("out of memory on cuda:0: asked for 1073741824.0 MiB, "), message)
            XCTAssertTrue(message.contains(" MiB free of "), message)
        }
        // The device still works afterwards.
        XCTAssertEqual(try gpu.sum(upload(Matrix([[1, 2, 3]]))), 6)
    }

    func testAllocatorReusesFreedBlocks() throws {
        let first = try gpu.context.allocate(byteCount: 1000)
        let address = first.address
        _ = consume first
        let second = try gpu.context.allocate(byteCount: 900)  // same 1024-byte bucket
        XCTAssertEqual(second.address, address)
    }
}

extension CUDAParityTests {
    /// Sizes and offsets whose arithmetic would overflow are refused on the host, before any launch.
    func testOverflowingSizesAndOffsetsAreRefused() throws {
        assertInvalidArgument(try gpu.context.allocate(byteCount: -1), mentioning: "CUDAContext.allocate(byteCount:)", "-1")
        assertInvalidArgument(try gpu.context.allocate(byteCount: Int.max), mentioning: "CUDAContext.allocate(byteCount:)")
        assertInvalidArgument(try CUDAMatrix(rows: Int.max, columns: 2, on: gpu.context), mentioning: "CUDAMatrix")
        assertInvalidArgument(try CUDAMatrix(rows: 1 << 62, columns: 1, on: gpu.context), mentioning: "CUDAMatrix")
        let source = try upload(try Matrix([[1, 2], [3, 4]]))
        assertInvalidArgument(try source.reshaped(rows: Int.max, columns: 2), mentioning: "CUDAMatrix")
        XCTAssertEqual(try source.reshaped(rows: 4, columns: 1).toMatrix().storage, [1, 2, 3, 4])
        var destination = try CUDAMatrix(rows: 3, columns: 2, on: gpu.context)
        let indices = try CUDAIndices([Int32(1)], on: gpu.context)
        assertInvalidArgument(try gpu.gatherRows(source, indices, into: &destination, atRow: Int.max), mentioning: "gatherRows")
        assertInvalidArgument(try gpu.scatterAddRows(source, fromRow: Int.max, indices, into: &destination), mentioning: "scatterAddRows")
        assertInvalidArgument(try gpu.copyRows(source, into: &destination, atRow: Int.max), mentioning: "copyRows")
        var scores = try CUDAMatrix(rows: 2, columns: 1, on: gpu.context)
        assertInvalidArgument(try gpu.addMemberSums(try upload(Matrix(rows: 4, columns: 1)), order: Int.max / 2 + 1, to: &scores),
                              mentioning: "addMemberSums")
    }
}
