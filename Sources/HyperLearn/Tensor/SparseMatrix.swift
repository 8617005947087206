/// A sparse matrix in compressed sparse row (CSR) form.
///
/// Row `i` holds the entries `values[k]` at columns `columnIndices[k]` for
/// `k` in `rowOffsets[i] ..< rowOffsets[i + 1]`. Column indices within a row are sorted and distinct.
public struct SparseMatrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// `rows + 1` offsets into `columnIndices` / `values`.
    public let rowOffsets: [Int]
    /// The column of each stored entry, sorted and distinct within a row.
    public let columnIndices: [Int32]
    /// The value of each stored entry.
    ///
    /// Writes may change the values but not their number (the kernels read one value per column
    /// index through raw pointers); a write that changes the count stops the program.
    public var values: [Float] {
        get { entryValues }
        _modify {
            yield &entryValues
            precondition(entryValues.count == columnIndices.count,
                         "SparseMatrix.values: \(entryValues.count) values for \(columnIndices.count) entries")
        }
        set {
            precondition(newValue.count == columnIndices.count,
                         "SparseMatrix.values: \(newValue.count) values for \(columnIndices.count) entries")
            entryValues = newValue
        }
    }
    /// The values behind ``values``.
    private var entryValues: [Float]

    /// Number of stored entries.
    public var nonzeroCount: Int { entryValues.count }

    /// A CSR matrix from its three arrays, after checking that they are consistent.
    ///
    /// ```swift
    /// // [[0, 2, 0],
    /// //  [1, 0, 3]]
    /// let s = try SparseMatrix(rows: 2, columns: 3, rowOffsets: [0, 1, 3], columnIndices: [1, 0, 2], values: [2, 1, 3])
    /// ```
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative, `rowOffsets` does not
    ///   hold `rows + 1` non-decreasing offsets from 0 to the entry count, `columnIndices` and `values`
    ///   differ in length, or a row's column indices are outside `0 ..< columns`, unsorted or repeated.
    public init(rows: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) throws {
        let function = "SparseMatrix(rows:columns:rowOffsets:columnIndices:values:)"
        guard rows >= 0 && columns >= 0 else {
            throw HyperLearnError.invalidArgument("\(function): negative shape \(rows)×\(columns)")
        }
        // `count − 1`, not `rows + 1`: a caller's `rows` of `Int.max` must not overflow.
        guard rowOffsets.count - 1 == rows else {
            let expected = rows < Int.max ? "\(rows + 1)" : "more than Int.max"
            throw HyperLearnError.invalidArgument("\(function): \(rowOffsets.count) row offsets for \(rows) rows (expected \(expected))")
        }
        guard columnIndices.count == values.count else {
            throw HyperLearnError.invalidArgument("\(function): \(columnIndices.count) column indices but \(values.count) values")
        }
        guard rowOffsets[0] == 0, rowOffsets[rows] == values.count else {
            throw HyperLearnError.invalidArgument(
                "\(function): row offsets run from \(rowOffsets[0]) to \(rowOffsets[rows]), expected 0 to \(values.count) (the entry count)")
        }
        for i in 0..<rows {
            guard rowOffsets[i] <= rowOffsets[i + 1] else {
                throw HyperLearnError.invalidArgument(
                    "\(function): row offsets decrease at row \(i) (\(rowOffsets[i]) then \(rowOffsets[i + 1]))")
            }
            for k in rowOffsets[i]..<rowOffsets[i + 1] {
                let column = columnIndices[k]
                guard column >= 0 && Int(column) < columns else {
                    throw HyperLearnError.invalidArgument("\(function): row \(i), entry \(k): column \(column) is outside 0..<\(columns)")
                }
                guard k == rowOffsets[i] || columnIndices[k - 1] < column else {
                    throw HyperLearnError.invalidArgument(
                        "\(function): row \(i), entry \(k): column \(column) after column \(columnIndices[k - 1]); columns within a row must be sorted and distinct")
                }
            }
        }
        self.init(rows: rows, columns: columns, uncheckedRowOffsets: rowOffsets, columnIndices: columnIndices, values: values)
    }

    /// A CSR matrix from arrays the caller built consistent (internal builders; no check beyond a
    /// debug assertion).
    init(rows: Int, columns: Int, uncheckedRowOffsets rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        assert(rowOffsets.count == rows + 1 && columnIndices.count == values.count && rowOffsets.last == values.count,
               "SparseMatrix: inconsistent entry arrays")
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.entryValues = values
    }

    /// Builds a CSR matrix from coordinate triplets, in any order; duplicate `(row, column)` entries are
    /// summed.
    ///
    /// ```swift
    /// let a = try SparseMatrix(rows: 2, columns: 2, entries: [(0, 1, 1), (1, 0, 1), (0, 1, 2)])  // [[0, 3], [1, 0]]
    /// ```
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative or naming the first
    ///   entry outside `rows × columns`.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Float)]) throws {
        guard rows >= 0 && columns >= 0 else {
            throw HyperLearnError.invalidArgument("SparseMatrix(rows:columns:entries:): negative shape \(rows)×\(columns)")
        }
        if let bad = entries.firstIndex(where: { $0.row < 0 || $0.row >= rows || $0.column < 0 || $0.column >= columns }) {
            throw HyperLearnError.invalidArgument(
                "SparseMatrix(rows:columns:entries:): entry \(bad) at (\(entries[bad].row), \(entries[bad].column)) is outside \(rows)×\(columns)")
        }
        self.init(rows: rows, columns: columns, uncheckedEntries: entries)
    }

    /// ``init(rows:columns:entries:)`` for entries the caller knows to lie inside `rows × columns`.
    init(rows: Int, columns: Int, uncheckedEntries entries: [(row: Int, column: Int, value: Float)]) {
        var counts = [Int](repeating: 0, count: rows + 1)
        for entry in entries { counts[entry.row + 1] += 1 }
        for i in 0..<rows { counts[i + 1] += counts[i] }
        var cursor = counts
        var unsortedColumns = [Int32](repeating: 0, count: entries.count)
        var unsortedValues = [Float](repeating: 0, count: entries.count)
        for entry in entries {
            let slot = cursor[entry.row]
            unsortedColumns[slot] = Int32(entry.column)
            unsortedValues[slot] = entry.value
            cursor[entry.row] += 1
        }
        var offsets = [0]
        offsets.reserveCapacity(rows + 1)
        var columnIndices = [Int32]()
        var values = [Float]()
        columnIndices.reserveCapacity(entries.count)
        values.reserveCapacity(entries.count)
        for i in 0..<rows {
            let range = counts[i]..<counts[i + 1]
            let order = range.sorted { unsortedColumns[$0] < unsortedColumns[$1] }
            for k in order {
                if let last = columnIndices.last, columnIndices.count > offsets[i], last == unsortedColumns[k] {
                    values[values.count - 1] += unsortedValues[k]
                } else {
                    columnIndices.append(unsortedColumns[k])
                    values.append(unsortedValues[k])
                }
            }
            offsets.append(values.count)
        }
        self.init(rows: rows, columns: columns, uncheckedRowOffsets: offsets, columnIndices: columnIndices, values: values)
    }

    /// The `n × n` identity.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `n` is negative.
    public static func identity(_ n: Int) throws -> SparseMatrix {
        guard n >= 0 else { throw HyperLearnError.invalidArgument("SparseMatrix.identity: negative size \(n)") }
        return SparseMatrix(rows: n, columns: n, uncheckedRowOffsets: Array(0...n), columnIndices: (0..<n).map { Int32($0) },
                            values: [Float](repeating: 1, count: n))
    }

    /// The transpose, in CSR form (a counting sort over columns: O(nnz)).
    public var transposed: SparseMatrix {
        var counts = [Int](repeating: 0, count: columns + 1)
        for c in columnIndices { counts[Int(c) + 1] += 1 }
        for j in 0..<columns { counts[j + 1] += counts[j] }
        var cursor = counts
        var newColumns = [Int32](repeating: 0, count: nonzeroCount)
        var newValues = [Float](repeating: 0, count: nonzeroCount)
        for i in 0..<rows {
            for k in rowOffsets[i]..<rowOffsets[i + 1] {
                let j = Int(columnIndices[k])
                newColumns[cursor[j]] = Int32(i)
                newValues[cursor[j]] = entryValues[k]
                cursor[j] += 1
            }
        }
        return SparseMatrix(rows: columns, columns: rows, uncheckedRowOffsets: counts, columnIndices: newColumns, values: newValues)
    }

    /// Entry `(i, j)`, zero when not stored (binary search in the row).
    ///
    /// - Precondition: `0 <= row < rows` (bounds-checked, like an array subscript).
    public subscript(row: Int, column: Int) -> Float {
        var low = rowOffsets[row], high = rowOffsets[row + 1]
        while low < high {
            let mid = (low + high) / 2
            let c = Int(columnIndices[mid])
            if c == column { return values[mid] }
            if c < column { low = mid + 1 } else { high = mid }
        }
        return 0
    }

    /// Sum of each row's stored values.
    public var rowSums: [Float] {
        (0..<rows).map { i in values[rowOffsets[i]..<rowOffsets[i + 1]].reduce(0, +) }
    }

    /// Number of stored entries in each row.
    public var rowDegrees: [Int] { (0..<rows).map { rowOffsets[$0 + 1] - rowOffsets[$0] } }

    /// The dense form (tests and small matrices only).
    public var dense: Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<rows {
            for k in rowOffsets[i]..<rowOffsets[i + 1] { m[i, Int(columnIndices[k])] += values[k] }
        }
        return m
    }

    /// Scales row `i` by `left[i]` and column `j` by `right[j]`: `diag(left) · A · diag(right)`.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `left` does not hold `rows` factors or
    ///   `right` does not hold `columns`.
    public func scaled(rows left: [Float]? = nil, columns right: [Float]? = nil) throws -> SparseMatrix {
        if let left, left.count != rows {
            throw HyperLearnError.invalidArgument("SparseMatrix.scaled: \(left.count) row factors for \(rows) rows")
        }
        if let right, right.count != columns {
            throw HyperLearnError.invalidArgument("SparseMatrix.scaled: \(right.count) column factors for \(columns) columns")
        }
        return uncheckedScaled(rows: left, columns: right)
    }

    /// ``scaled(rows:columns:)`` for factors the caller knows to match the shape.
    func uncheckedScaled(rows left: [Float]? = nil, columns right: [Float]? = nil) -> SparseMatrix {
        var result = self
        for i in 0..<rows {
            let l = left?[i] ?? 1
            for k in rowOffsets[i]..<rowOffsets[i + 1] {
                result.values[k] *= l * (right?[Int(columnIndices[k])] ?? 1)
            }
        }
        return result
    }

    public var description: String { "SparseMatrix(\(rows)×\(columns), nnz \(nonzeroCount))" }
}
