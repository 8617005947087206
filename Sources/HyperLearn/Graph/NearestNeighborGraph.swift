/// The symmetrised `k`-nearest-neighbour graph of the rows of `features` under cosine similarity.
///
/// Exact: similarities are computed for all pairs, a block of rows at a time with one `sgemm` per block,
/// so memory stays `O(block · n)`. That is fine up to about 50,000 items; beyond, an approximate
/// index would be needed. Ties are broken by the lower index, so the result is deterministic. Rows with
/// zero norm have similarity 0 to everything. The result is binary: an edge exists when either item
/// is among the other's `k` nearest.
///
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `k` is negative or `blockSize` is below 1.
public func nearestNeighborGraph(features: Matrix, k: Int, blockSize: Int = 1024) throws -> SparseMatrix {
    guard k >= 0, blockSize >= 1 else {
        throw HyperLearnError.invalidArgument("nearestNeighborGraph: k \(k) must be at least 0 and blockSize \(blockSize) at least 1")
    }
    let n = features.rows
    let k = min(k, max(n - 1, 0))
    guard n > 1, k > 0 else { return SparseMatrix(rows: n, columns: n, uncheckedEntries: []) }
    var unit = features
    for i in 0..<n {
        var norm: Float = 0
        for c in 0..<features.columns { norm += features[i, c] * features[i, c] }
        let inverse = norm > 0 ? 1 / norm.squareRoot() : 0
        for c in 0..<features.columns { unit[i, c] *= inverse }
    }
    var entries = [(row: Int, column: Int, value: Float)]()
    entries.reserveCapacity(2 * n * k)
    var start = 0
    while start < n {
        let end = min(n, start + blockSize)
        var block = Matrix(rows: end - start, columns: features.columns)
        block.storage = Array(unit.storage[(start * features.columns)..<(end * features.columns)])
        let similarity = Matrix.uncheckedProduct(block, unit, transposeB: true)
        for r in 0..<(end - start) {
            let i = start + r
            for neighbor in largest(k, of: n, excluding: i, score: { similarity[r, $0] }) {
                entries.append((i, neighbor.index, 1))
                entries.append((neighbor.index, i, 1))
            }
        }
        start = end
    }
    var graph = SparseMatrix(rows: n, columns: n, uncheckedEntries: entries)
    for i in 0..<graph.values.count { graph.values[i] = 1 }
    return graph
}

/// The `k` indices of `0..<n` (but `excluding`) with the largest scores, largest first, ties by the
/// lower index: an insertion into a short sorted list, for the small `k` of a neighbour search.
func largest(_ k: Int, of n: Int, excluding: Int? = nil, score: (Int) -> Float) -> [(similarity: Float, index: Int)] {
    var best = [(similarity: Float, index: Int)]()
    best.reserveCapacity(k + 1)
    for j in 0..<n where j != excluding {
        let s = score(j)
        if best.count == k, let last = best.last, !(s > last.similarity) { continue }
        var position = best.count
        while position > 0 && best[position - 1].similarity < s { position -= 1 }
        best.insert((s, j), at: position)
        if best.count > k { best.removeLast() }
    }
    return best
}
