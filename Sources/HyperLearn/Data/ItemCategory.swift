/// A categorical feature of a modality's items as a person reads it (a user's occupation, a movie's
/// genres), kept with the model beside the labels: it becomes a column of the projector metadata and
/// the colours of the embedding map.
public struct ItemCategory: Codable, Sendable, Equatable {
    /// The column's header name, or `column N` in a file without a header.
    public var name: String
    /// Each item's value, in item order; `""` where an item has none (no feature row).
    public var values: [String]
    /// For a multi-label column (`Comedy|Drama`), the separator between an item's labels.
    public var separator: String?

    public init(name: String, values: [String], separator: String? = nil) {
        self.name = name
        self.values = values
        self.separator = separator
    }

    /// The value that colours item `i` on a map: the value itself, or the first of several labels.
    public func key(_ i: Int) -> String {
        guard values.indices.contains(i) else { return "" }
        guard let separator, !separator.isEmpty else { return values[i] }
        return values[i].components(separatedBy: separator).first { !$0.isEmpty } ?? ""
    }

    /// The most frequent keys (ties by first appearance), at most `limit`, with their counts.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `limit` is negative.
    public func commonest(_ limit: Int) throws -> [(key: String, count: Int)] {
        guard limit >= 0 else { throw HyperLearnError.invalidArgument("ItemCategory.commonest: negative limit \(limit)") }
        var counts: [String: Int] = [:], order: [String] = []
        for i in values.indices {
            let key = key(i)
            guard !key.isEmpty else { continue }
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        let rank = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        return order.sorted { counts[$0]! != counts[$1]! ? counts[$0]! > counts[$1]! : rank[$0]! < rank[$1]! }
            .prefix(limit).map { ($0, counts[$0]!) }
    }
}
