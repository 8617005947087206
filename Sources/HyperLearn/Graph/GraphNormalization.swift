/// `D^{-1/2} (A + I) D^{-1/2}` with `D` the degree of `A + I` (the GCN normalisation; PyG's `gcn_norm`).
///
/// Existing diagonal entries of `A` are replaced by 1 rather than added to, so a graph that already
/// stores self-loops is not counted twice.
///
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `adjacency` is not square.
public func gcnNormalization(_ adjacency: SparseMatrix) throws -> SparseMatrix {
    try requireSquare(adjacency, "gcnNormalization")
    let n = adjacency.rows
    var entries = [(row: Int, column: Int, value: Float)]()
    entries.reserveCapacity(adjacency.nonzeroCount + n)
    for i in 0..<n {
        for k in adjacency.rowOffsets[i]..<adjacency.rowOffsets[i + 1] where Int(adjacency.columnIndices[k]) != i {
            entries.append((i, Int(adjacency.columnIndices[k]), adjacency.values[k]))
        }
        entries.append((i, i, 1))
    }
    let withLoops = SparseMatrix(rows: n, columns: n, uncheckedEntries: entries)
    let inverseRoot = withLoops.rowSums.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
    return withLoops.uncheckedScaled(rows: inverseRoot, columns: inverseRoot)
}

/// `max(A, Aᵀ)` entry by entry: the symmetric graph that keeps an edge given in either direction.
///
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `adjacency` is not square.
public func symmetrized(_ adjacency: SparseMatrix) throws -> SparseMatrix {
    try requireSquare(adjacency, "symmetrized")
    let t = adjacency.transposed
    var entries = [(row: Int, column: Int, value: Float)]()
    entries.reserveCapacity(2 * adjacency.nonzeroCount)
    for i in 0..<adjacency.rows {
        var a = adjacency.rowOffsets[i], b = t.rowOffsets[i]
        let aEnd = adjacency.rowOffsets[i + 1], bEnd = t.rowOffsets[i + 1]
        while a < aEnd || b < bEnd {
            let ca = a < aEnd ? adjacency.columnIndices[a] : Int32.max
            let cb = b < bEnd ? t.columnIndices[b] : Int32.max
            if ca == cb {
                entries.append((i, Int(ca), max(adjacency.values[a], t.values[b]))); a += 1; b += 1
            } else if ca < cb {
                entries.append((i, Int(ca), adjacency.values[a])); a += 1
            } else {
                entries.append((i, Int(cb), t.values[b])); b += 1
            }
        }
    }
    return SparseMatrix(rows: adjacency.rows, columns: adjacency.columns, uncheckedEntries: entries)
}

/// Throws unless `matrix` is square (an adjacency).
func requireSquare(_ matrix: SparseMatrix, _ function: String) throws {
    guard matrix.rows == matrix.columns else {
        throw HyperLearnError.invalidArgument("\(function): the adjacency is \(matrix.rows)×\(matrix.columns), not square")
    }
}
