/// Dense and sparse products and the element-wise passes the model needs, on the CPU backend.
///
/// The public operations check shapes and indices and throw ``HyperLearnError/invalidArgument(_:)``
/// naming the operation and the offending shape or index. The library's own hot paths, whose operands
/// are consistent by construction, call the internal `unchecked…` variants, which skip those checks.
extension Matrix {
    /// The product `op(a) · op(b)` (OpenBLAS `sgemm`).
    ///
    /// ```swift
    /// let c = try Matrix.product(a, b, transposeB: true)  // a · bᵀ
    /// ```
    ///
    /// - Parameters:
    ///   - a: left factor; transposed first when `transposeA`.
    ///   - b: right factor; transposed first when `transposeB`.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the inner dimensions differ or a dimension
    ///   is above `Int32.max` (BLAS's limit).
    public static func product(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) throws -> Matrix {
        try checkProduct("Matrix.product", a, transposeA: transposeA, b, transposeB: transposeB, into: nil)
        return uncheckedProduct(a, b, transposeA: transposeA, transposeB: transposeB)
    }

    /// ``product(_:_:transposeA:transposeB:)`` for operands the caller knows to be compatible.
    static func uncheckedProduct(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
        var c = Matrix(rows: transposeA ? a.columns : a.rows, columns: transposeB ? b.rows : b.columns)
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: 1, beta: 0, into: &c)
        return c
    }

    /// `self = alpha · op(a) · op(b) + beta · self`, reusing this matrix's storage.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the inner dimensions differ, a dimension is
    ///   above `Int32.max` (BLAS's limit), or this matrix is not `op(a).rows × op(b).columns`.
    public mutating func multiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
                                  alpha: Float = 1, beta: Float = 0) throws {
        try Matrix.checkProduct("Matrix.multiply", a, transposeA: transposeA, b, transposeB: transposeB, into: self)
        uncheckedMultiply(a, b, transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta)
    }

    /// ``multiply(_:_:transposeA:transposeB:alpha:beta:)`` for operands the caller knows to be compatible.
    mutating func uncheckedMultiply(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false,
                                    alpha: Float = 1, beta: Float = 0) {
        CPUKernels.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &self)
    }

    /// Throws unless `op(a) · op(b)` is defined (and, when `c` is given, has `c`'s shape).
    private static func checkProduct(_ function: String, _ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool,
                                     into c: Matrix?) throws {
        let m = transposeA ? a.columns : a.rows, k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows, n = transposeB ? b.rows : b.columns
        let shapes = "\(a.rows)×\(a.columns)\(transposeA ? "ᵀ" : "") · \(b.rows)×\(b.columns)\(transposeB ? "ᵀ" : "")"
        guard k == kb else {
            throw HyperLearnError.invalidArgument("\(function): \(shapes): inner dimensions \(k) and \(kb) differ")
        }
        // `sgemm` takes 32-bit sizes and leading dimensions; a larger one would trap converting.
        guard [a.rows, a.columns, b.rows, b.columns].allSatisfy({ $0 <= Int(Int32.max) }) else {
            throw HyperLearnError.invalidArgument("\(function): \(shapes): BLAS takes dimensions up to \(Int32.max)")
        }
        if let c, c.rows != m || c.columns != n {
            throw HyperLearnError.invalidArgument("\(function): \(shapes) is \(m)×\(n), but the result is \(c.rows)×\(c.columns)")
        }
    }

    /// The transpose (a copy).
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    /// `self += alpha · other`.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shapes differ.
    public mutating func add(_ other: Matrix, scaledBy alpha: Float = 1) throws {
        try checkSameShape("Matrix.add", other)
        uncheckedAdd(other, scaledBy: alpha)
    }

    /// ``add(_:scaledBy:)`` for a matrix the caller knows to have this one's shape.
    mutating func uncheckedAdd(_ other: Matrix, scaledBy alpha: Float = 1) { CPUKernels.axpy(alpha, other, &self) }

    /// `self *= factor`.
    public mutating func scale(by factor: Float) { CPUKernels.scale(&self, by: factor) }

    /// `Σ self ⊙ other`, accumulated in double precision.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shapes differ.
    public func dot(_ other: Matrix) throws -> Double {
        try checkSameShape("Matrix.dot", other)
        return uncheckedDot(other)
    }

    /// ``dot(_:)`` for a matrix the caller knows to have this one's shape.
    func uncheckedDot(_ other: Matrix) -> Double { CPUKernels.dot(self, other) }

    private func checkSameShape(_ function: String, _ other: Matrix) throws {
        guard other.rows == rows && other.columns == columns else {
            throw HyperLearnError.invalidArgument("\(function): \(rows)×\(columns) and \(other.rows)×\(other.columns) differ in shape")
        }
    }

    /// Squared Frobenius norm.
    public var squaredNorm: Double { uncheckedDot(self) }

    /// The rows at `indices`, in that order.
    ///
    /// ```swift
    /// let m = try Matrix([[1, 2], [3, 4], [5, 6]])
    /// try m.gatherRows([2, 0, 2])  // [[5, 6], [1, 2], [5, 6]]
    /// ```
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` naming the first index outside `0 ..< rows`.
    public func gatherRows(_ indices: [Int32]) throws -> Matrix {
        try checkRowIndices("Matrix.gatherRows", indices)
        return uncheckedGatherRows(indices)
    }

    /// ``gatherRows(_:)`` for indices the caller knows to lie in `0 ..< rows` (the kernel reads
    /// through raw pointers: an index outside that range reads outside the matrix).
    func uncheckedGatherRows(_ indices: [Int32]) -> Matrix {
        var out = Matrix(rows: indices.count, columns: columns)
        CPUKernels.gatherRows(self, indices: indices, stride: 1, offset: 0, range: 0..<indices.count, into: &out)
        return out
    }

    /// Adds row `r` of `rows` to row `indices[r]` of this matrix (repeated indices accumulate).
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `rows` is not `indices.count × columns`, or
    ///   naming the first index outside `0 ..< self.rows`.
    public mutating func scatterAddRows(_ rows: Matrix, at indices: [Int32]) throws {
        guard rows.rows == indices.count && rows.columns == columns else {
            throw HyperLearnError.invalidArgument(
                "Matrix.scatterAddRows: \(rows.rows)×\(rows.columns) rows for \(indices.count) indices into a \(self.rows)×\(columns) matrix"
                + " (expected \(indices.count)×\(columns))")
        }
        try checkRowIndices("Matrix.scatterAddRows", indices)
        uncheckedScatterAddRows(rows, at: indices)
    }

    /// ``scatterAddRows(_:at:)`` for indices the caller knows to lie in `0 ..< self.rows` (the kernel
    /// writes through raw pointers: an index outside that range writes outside the matrix).
    mutating func uncheckedScatterAddRows(_ rows: Matrix, at indices: [Int32]) {
        CPUKernels.scatterAddRows(rows, count: indices.count, indices: indices, stride: 1, offset: 0,
                                  rangeStart: 0, into: &self)
    }

    private func checkRowIndices(_ function: String, _ indices: [Int32]) throws {
        if let bad = indices.firstIndex(where: { $0 < 0 || Int($0) >= rows }) {
            throw HyperLearnError.invalidArgument("\(function): index \(indices[bad]) at position \(bad) is outside 0..<\(rows)")
        }
    }

    /// Adds a `1 × columns` row vector to every row.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `bias` is not `1 × columns`.
    public mutating func addRowVector(_ bias: Matrix) throws {
        guard bias.rows == 1 && bias.columns == columns else {
            throw HyperLearnError.invalidArgument("Matrix.addRowVector: bias is \(bias.rows)×\(bias.columns), expected 1×\(columns)")
        }
        uncheckedAddRowVector(bias)
    }

    /// ``addRowVector(_:)`` for a bias the caller knows to be `1 × columns`.
    mutating func uncheckedAddRowVector(_ bias: Matrix) { CPUKernels.addRowVector(bias, to: &self) }

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
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `x` does not have `columns` rows.
    public func multiply(_ x: Matrix) throws -> Matrix {
        try checkProduct("SparseMatrix.multiply", x, into: nil)
        return uncheckedMultiply(x)
    }

    /// ``multiply(_:)`` for an `x` the caller knows to have `columns` rows.
    func uncheckedMultiply(_ x: Matrix) -> Matrix {
        var y = Matrix(rows: rows, columns: x.columns)
        CPUKernels.spmm(self, x, beta: 0, into: &y)
        return y
    }

    /// `y = beta · y + self · x`, reusing `y`'s storage.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `x` does not have `columns` rows or `y` is
    ///   not `rows × x.columns`.
    public func multiply(_ x: Matrix, beta: Float = 0, into y: inout Matrix) throws {
        try checkProduct("SparseMatrix.multiply", x, into: y)
        uncheckedMultiply(x, beta: beta, into: &y)
    }

    /// ``multiply(_:beta:into:)`` for operands the caller knows to be compatible.
    func uncheckedMultiply(_ x: Matrix, beta: Float = 0, into y: inout Matrix) {
        CPUKernels.spmm(self, x, beta: beta, into: &y)
    }

    private func checkProduct(_ function: String, _ x: Matrix, into y: Matrix?) throws {
        guard x.rows == columns else {
            throw HyperLearnError.invalidArgument("\(function): \(rows)×\(columns) sparse · \(x.rows)×\(x.columns): inner dimensions \(columns) and \(x.rows) differ")
        }
        if let y, y.rows != rows || y.columns != x.columns {
            throw HyperLearnError.invalidArgument("\(function): the result is \(y.rows)×\(y.columns), expected \(rows)×\(x.columns)")
        }
    }
}
