/// Negative hyperedges for a link relation.
enum NegativeProtocol: String, Sendable {
    /// One uniformly chosen member replaced by a uniform item of its modality (hard).
    case corruptOne = "corrupt-one"
    /// Every member drawn uniformly (easy).
    case random
    /// Hyper-SAGNN's test negatives (`generate_negative` in its `Code/main.py`): each one replaces one
    /// uniformly chosen member (probability 0.9) or every member (0.1) by uniform items.
    case mixed

    /// The probability that a ``mixed`` negative replaces one member rather than all.
    static let mixedCorruptOneShare: Float = 0.9
}

/// Draws negatives, rejecting known positives (up to a bounded number of retries, so a nearly full
/// tensor cannot hang the sampler).
///
/// With `popular`, a corrupt-one replacement is drawn with probability `share` in proportion to the
/// item's weight (`cumulative[j]`: the running sums of position `j`'s item weights), else uniformly.
func sampleNegatives(for positives: HyperedgeSet, perPositive: Int, sizes: [Int], protocol kind: NegativeProtocol,
                     known: HyperedgeKeys, popular: (share: Float, cumulative: [[Float]])? = nil,
                     using generator: inout SeededGenerator) -> HyperedgeSet {
    let p = positives.order
    var members = [Int32](repeating: 0, count: positives.count * perPositive * p)
    members.withUnsafeMutableBufferPointer { out in
        positives.members.withUnsafeBufferPointer { source in
            // The draws and their order are those of the plain loop (same seed, same negatives).
            for e in 0..<positives.count {
                let positive = source.baseAddress! + e * p
                for r in 0..<perPositive {
                    let candidate = out.baseAddress! + (e * perPositive + r) * p
                    // A mixed negative's kind is drawn once, so that retries keep the 90/10 mixture.
                    let corruptOne = kind == .corruptOne || (kind == .mixed && generator.unitFloat() < NegativeProtocol.mixedCorruptOneShare)
                    for attempt in 0..<50 {
                        switch corruptOne {
                        case true:
                            candidate.update(from: positive, count: p)
                            let j = generator.index(below: p)
                            if let popular, popular.share > 0, generator.unitFloat() < popular.share {
                                candidate[j] = Int32(weightedIndex(popular.cumulative[j], using: &generator))
                            } else {
                                candidate[j] = Int32(generator.index(below: sizes[j]))
                            }
                        case false:
                            for j in 0..<p { candidate[j] = Int32(generator.index(below: sizes[j])) }
                        }
                        if attempt == 49 || !known.contains(UnsafeBufferPointer(start: candidate, count: p)) { break }
                    }
                }
            }
        }
    }
    return HyperedgeSet(order: p, uncheckedMembers: members)
}

/// An index drawn in proportion to the weights whose running sums are `cumulative` (binary search).
func weightedIndex(_ cumulative: [Float], using generator: inout SeededGenerator) -> Int {
    guard let total = cumulative.last, total > 0 else { return generator.index(below: max(cumulative.count, 1)) }
    let target = generator.unitFloat() * total
    var low = 0, high = cumulative.count - 1
    while low < high {
        let middle = (low + high) / 2
        if cumulative[middle] > target { high = middle } else { low = middle + 1 }
    }
    return low
}

/// Running sums of each position's item degrees in `set` (the popularity `popularNegatives` draws by).
func cumulativeDegrees(of set: HyperedgeSet, sizes: [Int]) -> [[Float]] {
    var degrees = sizes.map { [Float](repeating: 0, count: $0) }
    let p = set.order
    for (k, item) in set.members.enumerated() { degrees[k % p][Int(item)] += 1 }
    return degrees.map { row in
        var sum: Float = 0
        return row.map { sum += $0; return sum }
    }
}
