/// Hyperedges as 64-bit keys (mixed radix over the member modalities' sizes), for "is this a known
/// positive?" checks when sampling negatives. Exact while the tensor has fewer than 2⁶⁴ cells;
/// beyond that the key wraps and a rare negative may be wrongly rejected, never wrongly accepted.
struct HyperedgeKeys {
    let radices: [UInt64]
    private(set) var known = Set<UInt64>()

    init(sizes: [Int]) { radices = sizes.map { UInt64(max($0, 1)) } }

    func key<C: Collection>(_ members: C) -> UInt64 where C.Element == Int32 {
        var key: UInt64 = 0
        for (member, radix) in zip(members, radices) { key = key &* radix &+ UInt64(UInt32(bitPattern: member)) }
        return key
    }

    mutating func insert(_ set: HyperedgeSet) {
        known.reserveCapacity(known.count + set.count)
        for e in 0..<set.count { known.insert(key(set[e])) }
    }

    func contains<C: Collection>(_ members: C) -> Bool where C.Element == Int32 { known.contains(key(members)) }
}

/// Negative hyperedges for a link relation.
enum NegativeProtocol: String, Sendable {
    /// One uniformly chosen member replaced by a uniform item of its modality (hard).
    case corruptOne = "corrupt-one"
    /// Every member drawn uniformly (easy).
    case random
}

/// Draws negatives, rejecting known positives (up to a bounded number of retries, so a nearly full
/// tensor cannot hang the sampler).
func sampleNegatives(for positives: HyperedgeSet, perPositive: Int, sizes: [Int], protocol kind: NegativeProtocol,
                     known: HyperedgeKeys, using generator: inout SeededGenerator) -> HyperedgeSet {
    let p = positives.order
    var members = [Int32](repeating: 0, count: positives.count * perPositive * p)
    var candidate = [Int32](repeating: 0, count: p)
    for e in 0..<positives.count {
        for r in 0..<perPositive {
            for attempt in 0..<50 {
                switch kind {
                case .corruptOne:
                    for j in 0..<p { candidate[j] = positives.members[e * p + j] }
                    let j = generator.index(below: p)
                    candidate[j] = Int32(generator.index(below: sizes[j]))
                case .random:
                    for j in 0..<p { candidate[j] = Int32(generator.index(below: sizes[j])) }
                }
                if attempt == 49 || !known.contains(candidate) { break }
            }
            let base = (e * perPositive + r) * p
            for j in 0..<p { members[base + j] = candidate[j] }
        }
    }
    return HyperedgeSet(order: p, members: members)
}
