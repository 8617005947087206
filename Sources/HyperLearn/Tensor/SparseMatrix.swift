/// A sparse matrix in compressed sparse row (CSR) form.
///
/// Row `i` holds the entries `values[k]` at columns `columnIndices[k]` for
/// `k` in `rowOffsets[i] ..< rowOffsets[i + 1]`. Column indices within a row are sorted and distinct.
public struct SparseMatrix: Equatable, Sendable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int
    /// `rows + 1` offsets into `columnIndices` / `values`.
    public let rowOffsets: [Int]
    public let columnIndices: [Int32]
    public var values: [Float]

    /// Number of stored entries.
    public var nonzeroCount: Int { values.count }

    /// A CSR matrix from its three arrays; checks that they are consistent.
    public init(rows: Int, columns: Int, rowOffsets: [Int], columnIndices: [Int32], values: [Float]) {
        precondition(rowOffsets.count == rows + 1, "SparseMatrix: \(rowOffsets.count) offsets for \(rows) rows")
        precondition(columnIndices.count == values.count && rowOffsets.last == values.count,
                     "SparseMatrix: inconsistent entry arrays")
        self.rows = rows
        self.columns = columns
        self.rowOffsets = rowOffsets
        self.columnIndices = columnIndices
        self.values = values
    }

    /// Builds a CSR matrix from coordinate triplets; duplicate `(row, column)` entries are summed.
    public init(rows: Int, columns: Int, entries: [(row: Int, column: Int, value: Float)]) {
        var counts = [Int](repeating: 0, count: rows + 1)
        for entry in entries {
            precondition(entry.row >= 0 && entry.row < rows && entry.column >= 0 && entry.column < columns,
                         "SparseMatrix: entry (\(entry.row), \(entry.column)) outside \(rows)×\(columns)")
            counts[entry.row + 1] += 1
        }
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
        self.init(rows: rows, columns: columns, rowOffsets: offsets, columnIndices: columnIndices, values: values)
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> SparseMatrix {
        SparseMatrix(rows: n, columns: n, rowOffsets: Array(0...n), columnIndices: (0..<n).map { Int32($0) },
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
                newValues[cursor[j]] = values[k]
                cursor[j] += 1
            }
        }
        return SparseMatrix(rows: columns, columns: rows, rowOffsets: counts, columnIndices: newColumns, values: newValues)
    }

    /// Entry `(i, j)`, zero when not stored (binary search in the row).
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
    public func scaled(rows left: [Float]? = nil, columns right: [Float]? = nil) -> SparseMatrix {
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
