/// Dense and sparse products and the element-wise passes the model needs, on the CPU backend.
extension Matrix {
    /// The product `op(a) · op(b)` (OpenBLAS `sgemm`).
    ///
    /// - Parameters:
    ///   - a: left factor; transposed first when `transposeA`.
    ///   - b: right factor; transposed first when `transposeB`.
    public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        var c = Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: 1, beta: 0, into: &c)
        return c
    }

    /// `self = alpha · op(a) · op(b) + beta · self`, reusing this matrix's storage.
    public mutating func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
                                  alpha: Float = 1, beta: Float = 0) {
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &self)
    }

    /// The transpose (a copy).
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// `self += alpha · other`.
    public mutating func add(_ other: Matrix, scaledBy alpha: Float = 1) { CPUKernels.axpy(alpha, other, &self) }

    /// `self *= factor`.
    public mutating func scale(by factor: Float) { CPUKernels.scale(&self, by: factor) }

    /// `Σ self ⊙ other`, accumulated in double precision.
    public func dot(_ other: Matrix) -> Double { CPUKernels.dot(self, other) }

    /// Squared Frobenius norm.
    public var squaredNorm: Double { dot(self) }

    /// The rows at `indices`, in that order.
    public func gatherRows(_ indices: [Int32]) -> Matrix {
        var out = Matrix(rows: indices.count, columns: columns)
        CPUKernels.gatherRows(self, indices: indices, stride: 1, offset: 0, range: 0..<indices.count, into: &out)
        return out
    }

    /// Adds row `r` of `rows` to row `indices[r]` of this matrix (repeated indices accumulate).
    public mutating func scatterAddRows(_ rows: Matrix, at indices: [Int32]) {
        CPUKernels.scatterAddRows(rows, count: indices.count, indices: indices, stride: 1, offset: 0,
                                  rangeStart: 0, into: &self)
    }

    /// Adds a `1 × columns` row vector to every row.
    public mutating func addRowVector(_ bias: Matrix) { CPUKernels.addRowVector(bias, to: &self) }

    /// Column sums as a `1 × columns` matrix.
    public var columnSums: Matrix {
        var out = Matrix(rows: 1, columns: columns)
        CPUKernels.accumulateColumnSums(self, into: &out)
        return out
    }

    /// Whether every element is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }
}

extension SparseMatrix {
    /// The product `self · x` (CSR × dense), parallel across rows.
    public func multiply(_ x: Matrix) -> Matrix {
        var y = Matrix(rows: rows, columns: x.columns)
        CPUKernels.spmm(self, x, beta: 0, into: &y)
        return y
    }

    /// `y = beta · y + self · x`, reusing `y`'s storage.
    public func multiply(_ x: Matrix, beta: Float = 0, into y: inout Matrix) {
        CPUKernels.spmm(self, x, beta: beta, into: &y)
    }
}
