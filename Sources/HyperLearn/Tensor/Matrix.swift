/// A dense, row-major matrix of `Float` that owns its storage.
///
/// `Matrix` is a value type with copy-on-write storage (a Swift array), so a copy is cheap until one
/// side writes. Element `(i, j)` lives at `storage[i * columns + j]`.
///
/// ```swift
/// var m = Matrix(rows: 2, columns: 3)
/// m[1, 2] = 4
/// ```
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public private(set) var rows: Int
    /// Number of columns.
    public private(set) var columns: Int
    /// Row-major elements, `rows * columns` of them.
    ///
    /// Writes may change the elements but not their number: the kernels read `rows * columns`
    /// elements through raw pointers, so a write that changes the count stops the program
    /// (a precondition, as a setter cannot throw) instead of leaving a matrix that reads past its end.
    public var storage: [Float] {
        get { elements }
        _modify {
            yield &elements
            precondition(elements.count == rows * columns, "Matrix.storage: \(elements.count) elements for \(rows)×\(columns)")
        }
        set {
            precondition(newValue.count == rows * columns, "Matrix.storage: \(newValue.count) elements for \(rows)×\(columns)")
            elements = newValue
        }
    }
    /// The elements behind ``storage``.
    private var elements: [Float]

    /// A `rows × columns` matrix filled with `value` (zero by default).
    ///
    /// - Precondition: `rows >= 0`, `columns >= 0` and `rows * columns` fits in an `Int`. Shapes reaching
    ///   this initialiser come from other matrices or from counts, so a bad one is a programming error (as
    ///   with `Array(repeating:count:)`); the initialisers that take caller data throw instead.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements.
    ///
    /// ```swift
    /// let m = try Matrix(rows: 2, columns: 2, storage: [1, 2, 3, 4])  // [[1, 2], [3, 4]]
    /// ```
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative or overflows, or
    ///   `storage` does not hold exactly `rows * columns` elements.
    public init(rows: Int, columns: Int, storage: [Float]) throws {
        guard rows >= 0 && columns >= 0 else {
            throw HyperLearnError.invalidArgument("Matrix(rows:columns:storage:): negative shape \(rows)×\(columns)")
        }
        guard !rows.multipliedReportingOverflow(by: columns).overflow else {
            throw HyperLearnError.invalidArgument("Matrix(rows:columns:storage:): \(rows)×\(columns) elements overflow an Int")
        }
        guard storage.count == rows * columns else {
            throw HyperLearnError.invalidArgument(
                "Matrix(rows:columns:storage:): \(storage.count) elements for a \(rows)×\(columns) matrix (expected \(rows * columns))")
        }
        self.init(rows: rows, columns: columns, uncheckedStorage: storage)
    }

    /// A matrix over `storage`, which the caller guarantees holds `rows * columns` elements (internal
    /// callers that built it to that size; no check beyond a debug assertion).
    init(rows: Int, columns: Int, uncheckedStorage storage: [Float]) {
        assert(rows >= 0 && columns >= 0 && storage.count == rows * columns, "Matrix: \(storage.count) elements for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.elements = storage
    }

    /// A matrix from nested rows, all of the same length.
    ///
    /// ```swift
    /// let m = try Matrix([[1, 2, 3], [4, 5, 6]])  // 2 × 3
    /// ```
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` naming the first row whose length differs from
    ///   the first row's (ragged rows).
    public init(_ nested: [[Float]]) throws {
        let columns = nested.first?.count ?? 0
        if let ragged = nested.firstIndex(where: { $0.count != columns }) {
            throw HyperLearnError.invalidArgument(
                "Matrix(_:): ragged rows: row \(ragged) has \(nested[ragged].count) elements, row 0 has \(columns)")
        }
        self.init(rows: nested.count, columns: columns, uncheckedStorage: nested.flatMap { $0 })
    }

    /// `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Whether the matrix holds no element.
    public var isEmpty: Bool { storage.isEmpty }

    /// Element `(row, column)`.
    ///
    /// - Precondition: `0 <= row < rows` and `0 <= column < columns` (bounds-checked like an array
    ///   subscript: a bad index stops the program rather than reading another element's memory).
    public subscript(row: Int, column: Int) -> Float {
        get {
            precondition(column >= 0 && column < columns, "Matrix[\(row), \(column)]: column outside 0..<\(columns)")
            return storage[row * columns + column]
        }
        set {
            precondition(column >= 0 && column < columns, "Matrix[\(row), \(column)]: column outside 0..<\(columns)")
            storage[row * columns + column] = newValue
        }
    }

    /// Row `i` as an array (a copy).
    ///
    /// - Precondition: `0 <= i < rows` (bounds-checked, like an array subscript).
    public func row(_ i: Int) -> [Float] { Array(storage[(i * columns)..<((i + 1) * columns)]) }

    /// Rows as nested arrays (a copy), convenient in tests.
    public var nested: [[Float]] { (0..<rows).map(row) }

    /// Changes the shape, keeping the capacity, and zeroes the contents. Workspaces use this to avoid
    /// reallocating in the training loop when the shape does not change.
    ///
    /// - Precondition: `rows >= 0` and `columns >= 0`.
    public mutating func resize(rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0, "Matrix.resize: negative shape \(rows)×\(columns)")
        if rows * columns != elements.count {
            elements = [Float](repeating: 0, count: rows * columns)
        } else {
            fill(0)
        }
        self.rows = rows
        self.columns = columns
    }

    /// Sets every element to `value`.
    public mutating func fill(_ value: Float) {
        storage.withUnsafeMutableBufferPointer { buffer in
            buffer.update(repeating: value)
        }
    }

    public var description: String { "Matrix(\(rows)×\(columns))" }
}

/// Throws unless `rows × columns` is a matrix shape: neither is negative and `rows * columns` fits in
/// an `Int` (the check the public initialisers that size matrices from caller input make first).
func requireShape(_ function: String, rows: Int, columns: Int) throws {
    guard rows >= 0, columns >= 0, !rows.multipliedReportingOverflow(by: columns).overflow else {
        throw HyperLearnError.invalidArgument("\(function): \(rows)×\(columns) is not a matrix shape")
    }
}
