/// Which training hyperedges a manifest's `test: {fraction, seed, by}` holds out: the same ones for the
/// same file and seed, so that `train` and `evaluate --manifest` agree.
enum HeldOutSplit {
    /// Indices (ascending) of the held-out hyperedges among `count` hyperedges of `order` members.
    ///
    /// Without `byMember`: a seeded sample of `round(fraction · count)` hyperedges (at least one when
    /// there are two or more). With `byMember`: each item of that member position gives up
    /// `round(fraction · k)` of its `k` hyperedges, at most `k − 1`, so that every item with two or more
    /// keeps one for training (a per-user split).
    static func testIndices(members: [Int32], order: Int, fraction: Float, seed: UInt64, byMember: Int?) -> [Int] {
        let count = order > 0 ? members.count / order : 0
        var generator = SeededGenerator(seed: seed)
        func heldOut(_ k: Int) -> Int { k < 2 ? 0 : min(k - 1, max(1, Int((fraction * Float(k)).rounded()))) }
        guard let column = byMember else {
            var all = Array(0..<count)
            all.shuffle(using: &generator)
            return all.prefix(heldOut(count)).sorted()
        }
        var groups = [Int32: [Int]]()
        for e in 0..<count { groups[members[e * order + column], default: []].append(e) }
        var result = [Int]()
        for item in groups.keys.sorted() {
            var group = groups[item]!
            group.shuffle(using: &generator)
            result += group.prefix(heldOut(group.count))
        }
        return result.sorted()
    }
}
