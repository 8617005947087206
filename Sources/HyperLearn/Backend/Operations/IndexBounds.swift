/// The smallest and the largest of a set of row indices.
///
/// Every operation that reads or writes matrix rows through indices (gathers, scatters, row-wise
/// Adam, the decoders' member lists) refuses an index outside its matrix. On the CPU the bounds are
/// taken on each call; device indices cannot be read without a download, so ``CUDAIndices`` takes
/// them once, on the host, when it uploads the indices, and each device operation checks them.
public struct IndexBounds: Equatable, Sendable, CustomStringConvertible {
    /// The smallest index.
    public let lowest: Int32
    /// The largest index.
    public let highest: Int32

    /// The bounds of `indices`, or `nil` when there are none.
    public init?(_ indices: [Int32]) {
        guard !indices.isEmpty else { return nil }
        // One pass the compiler vectorises, without allocating: gathers and scatters check every step.
        var low = Int32.max, high = Int32.min
        indices.withUnsafeBufferPointer { values in
            for value in values {
                low = Swift.min(low, value)
                high = Swift.max(high, value)
            }
        }
        self.init(lowest: low, highest: high)
    }

    private init(lowest: Int32, highest: Int32) {
        self.lowest = lowest
        self.highest = highest
    }

    /// The bounds of positions `0 ..< period` of `indices` read as rows of `period` (a hyperedge's
    /// members, row-major): entry `j` covers `indices[j]`, `indices[j + period]`, …, and is `nil` when
    /// that position has no index. An empty array for a period below 1.
    public static func byPosition(_ indices: [Int32], period: Int) -> [IndexBounds?] {
        guard period > 1 else { return period == 1 ? [IndexBounds(indices)] : [] }
        var lowest = [Int32](repeating: .max, count: period), highest = [Int32](repeating: .min, count: period)
        for (offset, value) in indices.enumerated() {
            let position = offset % period
            lowest[position] = Swift.min(lowest[position], value)
            highest[position] = Swift.max(highest[position], value)
        }
        return (0..<period).map { $0 < indices.count ? IndexBounds(lowest: lowest[$0], highest: highest[$0]) : nil }
    }

    /// Whether every index names one of `rows` rows.
    public func isWithin(rows: Int) -> Bool { lowest >= 0 && Int(highest) < rows }

    public var description: String { lowest == highest ? "\(lowest)" : "\(lowest)…\(highest)" }
}

extension Optional where Wrapped == IndexBounds {
    /// Throws ``HyperLearnError/invalidArgument(_:)`` naming `operation` when some index lies outside
    /// `0 ..< rows` (no indices always fit).
    func require(_ operation: String, rowsBelow rows: Int, of what: String = "rows") throws {
        guard let bounds = self, !bounds.isWithin(rows: rows) else { return }
        throw HyperLearnError.invalidArgument("\(operation): indices \(bounds) outside the \(rows) \(what)")
    }
}
