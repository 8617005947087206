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
}
