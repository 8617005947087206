import Foundation

/// How often each part of a hyperedge occurs in a relation's training hyperedges: every member
/// (its degree at that position), every pair of members (for order 3 and more) and the whole
/// hyperedge (its repeats). The ``CountDecoder`` scores a hyperedge from the logarithms of these
/// counts (docs/method.md, "Count features").
///
/// Degrees are dense arrays (4 bytes per item). Every other part is a sorted table of its distinct
/// 64-bit keys (mixed radix over the part's modality sizes, as ``HyperedgeKeys`` keys whole
/// hyperedges), stored compactly because at scale these tables are most of the term's memory (16M
/// training triples make four tables of up to 16M keys each):
/// - a directory over each key's leading bits, about four keys per bucket, so that a lookup is a
///   binary search over a few keys; the bucket holds those bits, so a key keeps only the bits below
///   them: 32 bits when they fit (a pair of 2M-item modalities: 42-bit keys, 22 of them in the
///   directory), 64 otherwise;
/// - a count per key in one byte, with the rare counts of 255 or more kept aside.
///
/// That is 6 bytes per distinct pair and 10 per distinct triple at that scale, where plain 64-bit
/// keys, 32-bit counts and a directory of `Int`s took 14. Counts over the union of disjoint sets are
/// the sums of their tables' counts (``features(_:in:leaveOut:)``), so a trainer keeps the validation
/// split's small table beside the fit's instead of a second large one.
/// A class: the feature loop reads several tables per row on several threads, and copying a struct of
/// arrays would retain each of them every time.
final class HyperedgeCounts: Sendable {
    /// The positions each counted part holds: the singletons, then the pairs (order ≥ 3), then the
    /// whole hyperedge. For order 2 the only pair is the whole hyperedge, counted once.
    let parts: [[Int]]
    let order: Int
    // Flat storage, so that a lookup reads scalars and copies no array (the features loop runs on
    // several threads, and a retained array's count is a shared cache line).
    /// Each part's positions and modality sizes, part `k` at `partStarts[k] ..< partStarts[k + 1]`.
    private let partPositions: [Int]
    private let partSizes: [UInt64]
    private let partStarts: [Int]
    /// Per position: each item's number of hyperedges, position `j`'s items at `degreeStarts[j]`.
    private let degrees: [Int32]
    private let degreeStarts: [Int]
    /// Per part of two or more members (part `p + t`, table `t`): its distinct keys in ascending order,
    /// one table after the other from `tableStarts[t]`. Of each key, the bits below the directory's
    /// (`key & (1 << shifts[t] − 1)`): the low 32 in ``lowKeys``, and, for a table whose
    /// `shifts[t]` exceeds 32, the high 32 in ``highKeys`` from `highStarts[t]`.
    private let lowKeys: [UInt32]
    private let highKeys: [UInt32]
    private let tableStarts: [Int]
    private let highStarts: [Int]
    /// How many counted hyperedges hold each key, saturated at 255; a key's true count from 255 on is
    /// in ``largeCounts``, by its index.
    private let smallCounts: [UInt8]
    private let largeCounts: [Int: Int32]
    /// Per table: the keys whose leading bits (`key >> shifts[t]`) are `b` start at index
    /// `tableStarts[t] + directory[directoryStarts[t] + b]` and end where bucket `b + 1` starts; a key
    /// beyond the last bucket is above every key of the table.
    private let directory: [UInt32]
    private let directoryStarts: [Int]
    private let shifts: [UInt64]

    /// The parts of a hyperedge of order `p`, in feature order.
    static func parts(order p: Int) -> [[Int]] {
        var parts = (0..<p).map { [$0] }
        if p >= 3 {
            for a in 0..<p { for b in (a + 1)..<p { parts.append([a, b]) } }
        }
        parts.append(Array(0..<p))
        return parts
    }

    /// The number of count features of a hyperedge of order `p`: `p + p(p − 1)/2 + 1` (order ≥ 3), `p + 1` (order 2).
    static func featureCount(order p: Int) -> Int { parts(order: p).count }

    /// The most hyperedges one table counts: a table's directory holds 32-bit offsets.
    static let maximumHyperedges = Int(UInt32.max)

    /// Counts the parts of `set`'s hyperedges, whose position `j` indexes items `0..<sizes[j]` (checked
    /// members: every caller's set is).
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `set` holds more than ``maximumHyperedges``.
    init(_ set: HyperedgeSet, sizes: [Int]) throws {
        guard set.count <= Self.maximumHyperedges else {
            throw HyperLearnError.invalidArgument(
                "the count term counts at most \(Self.maximumHyperedges) hyperedges per relation; this one has \(set.count) (set countFeatures: false)")
        }
        let p = set.order
        order = p
        let parts = Self.parts(order: p)
        let partPositions = parts.flatMap { $0 }, partSizes = parts.flatMap { $0.map { UInt64(max(sizes[$0], 1)) } }
        var partStarts = [0]
        for part in parts { partStarts.append(partStarts.last! + part.count) }
        self.parts = parts
        self.partPositions = partPositions
        self.partSizes = partSizes
        self.partStarts = partStarts
        var degreeStarts = [0]
        for size in sizes { degreeStarts.append(degreeStarts.last! + size) }
        var degrees = [Int32](repeating: 0, count: degreeStarts.last!)
        for (k, item) in set.members.enumerated() { degrees[degreeStarts[k % p] + Int(item)] += 1 }
        self.degreeStarts = degreeStarts
        self.degrees = degrees
        var lowKeys = [UInt32](), highKeys = [UInt32](), smallCounts = [UInt8](), largeCounts = [Int: Int32]()
        var tableStarts = [Int](), highStarts = [Int]()
        var directory = [UInt32](), directoryStarts = [0], shifts = [UInt64]()
        for k in p..<parts.count {
            var partKeys = set.members.withUnsafeBufferPointer { rows in
                (0..<set.count).map { e in
                    Self.key(rows, row: e, order: p, part: partStarts[k]..<partStarts[k + 1], positions: partPositions, sizes: partSizes)
                }
            }
            partKeys.sort()
            var distinct = 0
            for i in partKeys.indices where i == 0 || partKeys[i] != partKeys[i - 1] { distinct += 1 }
            // About four keys per bucket, over the bits the largest key uses.
            let keyBits = UInt64.bitWidth - (partKeys.last ?? 0).leadingZeroBitCount
            let bucketBits = min(keyBits, max(1, Int.bitWidth - (distinct / 4).leadingZeroBitCount))
            let shift = UInt64(keyBits - bucketBits), lowMask = (UInt64(1) << shift) &- 1
            let base = lowKeys.count
            tableStarts.append(base)
            highStarts.append(shift > 32 ? highKeys.count : -1)
            lowKeys.reserveCapacity(base + distinct)
            smallCounts.reserveCapacity(base + distinct)
            if shift > 32 { highKeys.reserveCapacity(highKeys.count + distinct) }
            var starts = [UInt32](repeating: 0, count: (1 << bucketBits) + 1)
            var i = 0
            while i < partKeys.count {
                let key = partKeys[i]
                var run = 1
                while i + run < partKeys.count, partKeys[i + run] == key { run += 1 }
                if run >= 255 { largeCounts[lowKeys.count] = Int32(run) }
                lowKeys.append(UInt32(truncatingIfNeeded: key & lowMask))
                if shift > 32 { highKeys.append(UInt32(truncatingIfNeeded: (key & lowMask) >> 32)) }
                smallCounts.append(UInt8(min(run, 255)))
                starts[Int(key >> shift) + 1] += 1
                i += run
            }
            for b in 0..<(1 << bucketBits) { starts[b + 1] += starts[b] }
            directory += starts
            directoryStarts.append(directory.count)
            shifts.append(shift)
        }
        self.lowKeys = lowKeys
        self.highKeys = highKeys
        self.tableStarts = tableStarts
        self.highStarts = highStarts
        self.smallCounts = smallCounts
        self.largeCounts = largeCounts
        self.directory = directory
        self.directoryStarts = directoryStarts
        self.shifts = shifts
    }

    /// The mixed-radix key of row `e`'s members at the positions of one part (`positions[i]`, of modality
    /// size `sizes[i]`, for `i` in `part`).
    @inline(__always)
    private static func key(_ members: UnsafeBufferPointer<Int32>, row e: Int, order p: Int, part: Range<Int>,
                            positions: [Int], sizes: [UInt64]) -> UInt64 {
        var key: UInt64 = 0
        for i in part { key = key &* sizes[i] &+ UInt64(UInt32(bitPattern: members[e * p + positions[i]])) }
        return key
    }

    /// How many of the counted hyperedges agree with hyperedge `e` of `members` on part `k`.
    @inline(__always)
    private func count(part k: Int, _ members: UnsafeBufferPointer<Int32>, row e: Int) -> Int32 {
        let p = order
        if k < p {
            let item = Int(members[e * p + k])
            return item < degreeStarts[k + 1] - degreeStarts[k] ? degrees[degreeStarts[k] + item] : 0
        }
        let key = Self.key(members, row: e, order: p, part: partStarts[k]..<partStarts[k + 1], positions: partPositions,
                           sizes: partSizes)
        let t = k - p, shift = shifts[t], buckets = directoryStarts[t + 1] - directoryStarts[t] - 1
        let leading = key >> shift
        guard leading < UInt64(buckets) else { return 0 }
        let bucket = directoryStarts[t] + Int(leading), base = tableStarts[t], high = highStarts[t]
        let residual = key & ((UInt64(1) << shift) &- 1)
        var low = base + Int(directory[bucket]), end = base + Int(directory[bucket + 1])
        var upper = end
        while low < upper {
            let middle = (low + upper) / 2
            if storedResidual(middle, table: base, high: high) < residual { low = middle + 1 } else { upper = middle }
        }
        guard low < end, storedResidual(low, table: base, high: high) == residual else { return 0 }
        let small = smallCounts[low]
        return small < 255 ? Int32(small) : largeCounts[low] ?? Int32(small)
    }

    /// The bits below the directory's of key `i` of the table that starts at `base` (whose high words
    /// start at `high`, or −1).
    @inline(__always)
    private func storedResidual(_ i: Int, table base: Int, high: Int) -> UInt64 {
        let low = UInt64(lowKeys[i])
        return high < 0 ? low : UInt64(highKeys[high + i - base]) << 32 | low
    }

    /// How many of the counted hyperedges equal `tuple` (its repeats).
    func wholeCount(_ tuple: [Int32]) -> Int32 {
        tuple.withUnsafeBufferPointer { count(part: parts.count - 1, $0, row: 0) }
    }

    /// `log(1 + n)` for the small counts that nearly every lookup returns.
    private static let smallLogs: [Float] = (0..<1024).map { Float(log1p(Double($0))) }

    /// A count's feature, `log(1 + n)`: the one definition every reader of counts shares, so that
    /// features computed another way (``CandidateCountScores``) are the same floats.
    static func logCount(_ n: Int32) -> Float { n >= 0 && n < smallLogs.count ? smallLogs[Int(n)] : Float(log1p(Double(n))) }

    /// Whether hyperedges `e` and `source` of `members` agree on part `k`.
    @inline(__always)
    private func agree(part k: Int, _ members: UnsafeBufferPointer<Int32>, row e: Int, source: Int) -> Bool {
        let p = order
        for i in partStarts[k]..<partStarts[k + 1] where members[e * p + partPositions[i]] != members[source * p + partPositions[i]] {
            return false
        }
        return true
    }

    /// ``features(_:in:leaveOut:)`` from this table alone.
    func features(_ members: [Int32], leaveOut: [Int32]? = nil) -> [Float] { Self.features(members, in: [self], leaveOut: leaveOut) }

    /// `log(1 + count)` of every part of every hyperedge of `members` (row-major `E × p`), counted over the
    /// hyperedges of all `tables` (of one relation, over disjoint sets), as a row-major `E × parts.count` matrix.
    ///
    /// - Parameter leaveOut: for hyperedge `e`, the row of `members` whose own occurrence among the counted
    ///   hyperedges is left out of the counts of the parts the two rows share (−1: none). A training
    ///   positive leaves itself out, and a negative drawn from it leaves it out too: their features are
    ///   then those of a hyperedge the counts have not seen, as a test hyperedge's are.
    static func features(_ members: [Int32], in tables: [HyperedgeCounts], leaveOut: [Int32]? = nil) -> [Float] {
        let edges = members.count / max(tables.first?.order ?? 1, 1)
        guard let leaveOut else { return features(members, in: tables, rows: 0..<edges) }
        return features(members, in: tables, rows: 0..<edges) { e in (Int(leaveOut[e]), nil) }
    }

    /// The features of rows `rows` of `members` (``features(_:in:leaveOut:)``), row-major `rows.count × F`.
    ///
    /// - Parameter leaveOut: for row `e`, the row whose occurrence is left out (−1: none) and, when that
    ///   row's own features (with itself left out) are known, their offset in `known`: a part on which
    ///   the two rows agree then reads its value there instead of looking it up.
    static func features(_ members: [Int32], in tables: [HyperedgeCounts], rows: Range<Int>, known: [Float] = [],
                         leaveOut: ((Int) -> (row: Int, knownOffset: Int?))? = nil) -> [Float] {
        guard let first = tables.first, !rows.isEmpty else { return [] }
        let width = first.parts.count, edges = rows.count
        // Rows in independent ranges, each range's features its own array: parallel and deterministic.
        var pieces = [[Float]](repeating: [], count: min(edges, 64))
        let lock = NSLock()
        CPUKernels.parallelRanges(pieces.count, work: edges * width * 16) { range in
            for piece in range {
                let rowRange = (rows.lowerBound + edges * piece / pieces.count)..<(rows.lowerBound + edges * (piece + 1) / pieces.count)
                var result = [Float](repeating: 0, count: rowRange.count * width)
                members.withUnsafeBufferPointer { members in known.withUnsafeBufferPointer { known in
                    for e in rowRange {
                        let (source, offset) = leaveOut?(e) ?? (-1, nil)
                        for k in 0..<width {
                            let agrees = source >= 0 && first.agree(part: k, members, row: e, source: source)
                            if agrees, let offset {
                                result[(e - rowRange.lowerBound) * width + k] = known[offset + k]
                                continue
                            }
                            var n: Int32 = 0
                            for t in tables.indices { n += tables[t].count(part: k, members, row: e) }
                            if agrees { n -= 1 }
                            n = max(n, 0)
                            result[(e - rowRange.lowerBound) * width + k] = logCount(n)
                        }
                    }
                } }
                lock.lock()
                pieces[piece] = result
                lock.unlock()
            }
        }
        return Array(pieces.joined())
    }
}
