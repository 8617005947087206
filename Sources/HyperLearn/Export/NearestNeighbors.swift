/// The items whose embeddings are closest to an item's by cosine similarity (a neighbour table).
public enum NearestNeighbors {
    /// The `count` items of `embeddings` most cosine-similar to row `item` (itself excluded), most
    /// similar first, ties by index; an item with a zero embedding has similarity 0 to every other.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `item` is not a row or `count` < 1.
    public static func of(_ item: Int, in embeddings: Matrix, count: Int) throws -> [(item: Int, similarity: Float)] {
        guard (0..<embeddings.rows).contains(item), count >= 1 else {
            throw HyperLearnError.invalidArgument("NearestNeighbors: item \(item) of \(embeddings.rows), count \(count)")
        }
        let d = embeddings.columns
        func norm(_ r: Int) -> Float { (0..<d).reduce(Float(0)) { $0 + embeddings.storage[r * d + $1] * embeddings.storage[r * d + $1] }.squareRoot() }
        let queryNorm = norm(item)
        var scored = [(item: Int, similarity: Float)]()
        scored.reserveCapacity(embeddings.rows - 1)
        for r in 0..<embeddings.rows where r != item {
            let dot = (0..<d).reduce(Float(0)) { $0 + embeddings.storage[item * d + $1] * embeddings.storage[r * d + $1] }
            let denominator = queryNorm * norm(r)
            scored.append((r, denominator > 0 ? dot / denominator : 0))
        }
        scored.sort { $0.similarity != $1.similarity ? $0.similarity > $1.similarity : $0.item < $1.item }
        return Array(scored.prefix(count))
    }

    /// For each row of `queries`, the `count` rows of `items` most cosine-similar to it, as links of
    /// weight 1 (the binary kNN graph's edges; ties by index). A zero row has no neighbour.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the widths differ or `count` < 1.
    public static func links(from queries: Matrix, to items: Matrix, count: Int) throws -> [ItemLinks] {
        guard queries.columns == items.columns, count >= 1 else {
            throw HyperLearnError.invalidArgument("NearestNeighbors.links: \(queries.columns) query columns for \(items.columns), count \(count)")
        }
        func normalized(_ m: Matrix) -> (Matrix, [Bool]) {
            var unit = m, nonzero = [Bool](repeating: false, count: m.rows)
            for i in 0..<m.rows {
                let norm = (0..<m.columns).reduce(Float(0)) { $0 + m[i, $1] * m[i, $1] }.squareRoot()
                nonzero[i] = norm > 0
                for c in 0..<m.columns { unit[i, c] = norm > 0 ? m[i, c] / norm : 0 }
            }
            return (unit, nonzero)
        }
        let (q, queryNonzero) = normalized(queries), (x, _) = normalized(items)
        // A block of queries at a time: the similarities take O(block · items) memory, never queries × items.
        let block = max(1, min(queries.rows, (1 << 24) / max(items.rows, 1)))
        var result = [ItemLinks]()
        result.reserveCapacity(queries.rows)
        var start = 0
        while start < queries.rows {
            let end = min(queries.rows, start + block)
            let rows = Matrix(rows: end - start, columns: q.columns, uncheckedStorage: Array(q.storage[(start * q.columns)..<(end * q.columns)]))
            let similarity = Matrix.uncheckedProduct(rows, x, transposeB: true)
            for r in 0..<(end - start) {
                guard queryNonzero[start + r] else { result.append([]); continue }
                // At most every item: a `count` near `Int.max` must not size the search's buffer.
                result.append(largest(min(count, items.rows), of: items.rows, score: { similarity[r, $0] }).map { (item: $0.index, weight: Float(1)) })
            }
            start = end
        }
        return result
    }
}
