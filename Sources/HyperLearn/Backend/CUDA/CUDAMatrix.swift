/// A dense, row-major `Float` matrix in device memory: the device twin of ``Matrix``.
///
/// Element `(i, j)` lives at offset `i * columns + j`. The buffer is shared between copies of the
/// struct (it is a class), like a view; operations that write say so with an `into:` label.
public struct CUDAMatrix: CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The device memory, at least `rows * columns * 4` bytes.
    public let buffer: CUDABuffer
    /// The context that owns the memory.
    public let context: CUDAContext

    /// A zero-filled `rows × columns` matrix on `context`'s device.
    public init(rows: Int, columns: Int, on context: CUDAContext) throws {
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard rows >= 0 && columns >= 0 && !overflow && !bytesOverflow else {
            throw HyperLearnError.invalidArgument("CUDAMatrix: \(rows)×\(columns) is not a matrix shape")
        }
        self.rows = rows
        self.columns = columns
        self.context = context
        buffer = try context.allocate(byteCount: bytes)
        try context.zero(buffer)
    }

    /// Uploads `matrix`.
    public init(_ matrix: Matrix, on context: CUDAContext) throws {
        self.rows = matrix.rows
        self.columns = matrix.columns
        self.context = context
        buffer = try context.allocate(byteCount: matrix.storage.count * MemoryLayout<Float>.stride)
        try matrix.storage.withUnsafeBytes { try context.copy(from: $0, to: buffer) }
    }

    /// `rows * columns`.
    public var count: Int { rows * columns }

    /// The same device buffer seen as `rows × columns` (at most the elements it was allocated with).
    public func reshaped(rows: Int, columns: Int) throws -> CUDAMatrix {
        // The count first: `rows · columns · 4` of a caller's shape may overflow.
        guard rows >= 0, columns >= 0, columns == 0 || rows <= buffer.byteCount / MemoryLayout<Float>.stride / columns else {
            throw HyperLearnError.invalidArgument("CUDAMatrix: \(rows)×\(columns) does not fit a buffer of \(buffer.byteCount) bytes")
        }
        return CUDAMatrix(rows: rows, columns: columns, buffer: buffer, context: context)
    }

    private init(rows: Int, columns: Int, buffer: CUDABuffer, context: CUDAContext) {
        self.rows = rows
        self.columns = columns
        self.buffer = buffer
        self.context = context
    }

    /// Downloads the contents into a host ``Matrix`` (waits for queued work).
    public func toMatrix() throws -> Matrix {
        var storage = [Float](repeating: 0, count: count)
        try storage.withUnsafeMutableBytes { try context.copy(from: buffer, to: $0) }
        return Matrix(rows: rows, columns: columns, uncheckedStorage: storage)
    }

    /// Sets every element to zero.
    public func zero() throws { try context.zero(buffer) }

    public var description: String { "CUDAMatrix(\(rows)×\(columns), cuda:\(context.device.ordinal))" }
}

/// A vector of `Int32` indices in device memory (row indices, hyperedge members).
///
/// The indices' bounds are taken on the host as they are uploaded (``IndexBounds``): the kernels do
/// not range-check, so every operation that takes indices checks these bounds against its matrices
/// and throws instead of reading or writing outside device memory.
public struct CUDAIndices: CustomStringConvertible {
    /// Number of indices.
    public let count: Int
    /// The length of a row of indices: 1 for row indices, the order for hyperedge members.
    public let period: Int
    /// The bounds of each position `0 ..< period` (`nil` where there are no indices).
    public let positionBounds: [IndexBounds?]
    /// The bounds of every index (`nil` when there are none).
    public let bounds: IndexBounds?
    /// The device memory.
    public let buffer: CUDABuffer
    /// The context that owns the memory.
    public let context: CUDAContext

    /// Uploads `indices`, rows of `period` indices each (the members of hyperedges of order
    /// `period`, row-major; 1 for row indices).
    public init(_ indices: [Int32], period: Int = 1, on context: CUDAContext) throws {
        guard period >= 1, indices.count % period == 0 else {
            throw HyperLearnError.invalidArgument("CUDAIndices: \(indices.count) indices do not make rows of \(period)")
        }
        count = indices.count
        self.period = period
        positionBounds = IndexBounds.byPosition(indices, period: period)
        bounds = period == 1 ? positionBounds[0] : IndexBounds(indices)
        self.context = context
        buffer = try context.allocate(byteCount: indices.count * MemoryLayout<Int32>.stride)
        try indices.withUnsafeBytes { try context.copy(from: $0, to: buffer) }
    }

    /// Uploads `indices`, checking that each fits in 32 bits.
    public init(_ indices: [Int], period: Int = 1, on context: CUDAContext) throws {
        guard let bad = indices.first(where: { $0 < Int(Int32.min) || $0 > Int(Int32.max) }) else {
            try self.init(indices.map { Int32($0) }, period: period, on: context)
            return
        }
        throw HyperLearnError.invalidArgument("CUDAIndices: index \(bad) does not fit in 32 bits")
    }

    /// Downloads the indices.
    public func toArray() throws -> [Int32] {
        var values = [Int32](repeating: 0, count: count)
        try values.withUnsafeMutableBytes { try context.copy(from: buffer, to: $0) }
        return values
    }

    public var description: String { "CUDAIndices(\(count))" }
}

/// A CSR matrix in device memory with 32-bit offsets and indices, the form cuSPARSE's SpMM takes.
public struct CUDASparseMatrix: CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Number of stored entries.
    public let nonzeroCount: Int
    let rowOffsets: CUDABuffer
    let columnIndices: CUDABuffer
    let values: CUDABuffer
    /// The context that owns the memory.
    public let context: CUDAContext

    /// Uploads `matrix`; throws when it has more than `Int32.max` entries.
    public init(_ matrix: SparseMatrix, on context: CUDAContext) throws {
        guard matrix.nonzeroCount <= Int(Int32.max), matrix.rows < Int(Int32.max), matrix.columns < Int(Int32.max)
        else {
            throw HyperLearnError.invalidArgument("CUDASparseMatrix: \(matrix) is too large for 32-bit indices")
        }
        rows = matrix.rows
        columns = matrix.columns
        nonzeroCount = matrix.nonzeroCount
        self.context = context
        let offsets = matrix.rowOffsets.map { Int32($0) }
        rowOffsets = try context.allocate(byteCount: offsets.count * 4)
        columnIndices = try context.allocate(byteCount: matrix.nonzeroCount * 4)
        values = try context.allocate(byteCount: matrix.nonzeroCount * 4)
        try offsets.withUnsafeBytes { try context.copy(from: $0, to: rowOffsets) }
        try matrix.columnIndices.withUnsafeBytes { try context.copy(from: $0, to: columnIndices) }
        try matrix.values.withUnsafeBytes { try context.copy(from: $0, to: values) }
    }

    public var description: String { "CUDASparseMatrix(\(rows)×\(columns), nnz \(nonzeroCount))" }
}
