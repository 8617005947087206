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
    public var storage: [Float]

    /// A `rows × columns` matrix filled with `value` (zero by default).
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix: negative shape \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over existing row-major elements.
    public init(rows: Int, columns: Int, storage: [Float]) {
        precondition(storage.count == rows * columns, "Matrix: \(storage.count) elements for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from nested rows, all of the same length.
    public init(_ nested: [[Float]]) {
        let columns = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == columns }, "Matrix: ragged rows")
        self.init(rows: nested.count, columns: columns, storage: nested.flatMap { $0 })
    }

    /// `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Whether the matrix holds no element.
    public var isEmpty: Bool { storage.isEmpty }

    public subscript(row: Int, column: Int) -> Float {
        get { storage[row * columns + column] }
        set { storage[row * columns + column] = newValue }
    }

    /// Row `i` as an array (a copy).
    public func row(_ i: Int) -> [Float] { Array(storage[(i * columns)..<((i + 1) * columns)]) }

    /// Rows as nested arrays (a copy), convenient in tests.
    public var nested: [[Float]] { (0..<rows).map(row) }

    /// Changes the shape, keeping the capacity, and zeroes the contents. Workspaces use this to avoid
    /// reallocating in the training loop when the shape does not change.
    public mutating func resize(rows: Int, columns: Int) {
        if rows * columns != storage.count {
            storage = [Float](repeating: 0, count: rows * columns)
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
