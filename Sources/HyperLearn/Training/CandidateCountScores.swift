/// The count term's score (``CountDecoder``) of every candidate item for the hidden member of many ranking
/// queries, exactly, without looking up and scoring `n` candidate hyperedges per query.
///
/// With member `h` hidden, a candidate `c` that shares no counted hyperedge with any of the query's
/// other members has features that differ from the other such candidates' only in its own degree: its
/// pairs and the whole tuple count 0, and the parts without `h` are the query's. So the MLP runs once
/// per distinct degree at position `h` (tens to hundreds of values), and once per candidate that does
/// share a counted hyperedge with another member (found through each member's partners at `h`).
struct CandidateCountScores: Sendable {
    /// The counted tables (``CountFeatureSource/tables``) and the count term's layers.
    let tables: [HyperedgeCounts]
    let layers: [(weight: Matrix, bias: Matrix?)]
    let order: Int
    /// `partners[h][k]`: for each item at position `k`, the items at position `h` it shares a counted
    /// hyperedge with (repeats kept), item `i`'s at `partnerStarts[k][i] ..< partnerStarts[k][i + 1]`
    /// (the same offsets for every `h`: item `i`'s degree at `k`).
    private let partners: [[[Int32]]]
    private let partnerStarts: [[Int]]
    /// Per position: each item's index into that position's distinct degrees, and those degrees.
    private let degreeIndex: [[Int32]]
    private let distinctDegrees: [[Int32]]

    /// - Parameters:
    ///   - counted: the hyperedge sets `tables` count (together), whose members index `0..<sizes[j]` at position `j`.
    init(tables: [HyperedgeCounts], counted: [HyperedgeSet], sizes: [Int], layers: [(weight: Matrix, bias: Matrix?)]) {
        let p = sizes.count
        self.tables = tables
        self.layers = layers
        order = p
        // Counting sort by the member at each position: item `i`'s hyperedges at position `k` take
        // `starts[k][i] ..< starts[k][i + 1]`, so the offsets are the degrees' prefix sums.
        let partnerStarts = (0..<p).map { k in
            var starts = [Int](repeating: 0, count: sizes[k] + 1)
            for set in counted { for e in 0..<set.count { starts[Int(set.members[e * p + k]) + 1] += 1 } }
            for i in 0..<sizes[k] { starts[i + 1] += starts[i] }
            return starts
        }
        let degrees = partnerStarts.map { starts in (0..<(starts.count - 1)).map { Int32(starts[$0 + 1] - starts[$0]) } }
        distinctDegrees = degrees.map { Array(Set($0)).sorted() }
        degreeIndex = zip(degrees, distinctDegrees).map { degrees, distinct in
            let index = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, Int32($0)) })
            return degrees.map { index[$0]! }
        }
        partners = (0..<p).map { h in
            (0..<p).map { k in
                guard k != h else { return [] }
                var next = partnerStarts[k], items = [Int32](repeating: 0, count: partnerStarts[k][sizes[k]])
                for set in counted {
                    for e in 0..<set.count {
                        let owner = Int(set.members[e * p + k])
                        items[next[owner]] = set.members[e * p + h]
                        next[owner] += 1
                    }
                }
                return items
            }
        }
        self.partnerStarts = partnerStarts
    }

    /// Adds to `scores` (`Q × n`, row `q` query `q`'s candidates in item order) the count term's score of
    /// each query (`queries[q·p ..< (q+1)·p]`) with member `h` replaced by each candidate.
    func add(to scores: inout Matrix, hidden h: Int, queries: [Int32]) {
        let p = order, count = queries.count / p, n = scores.columns
        let parts = HyperedgeCounts.parts(order: p), width = parts.count
        let distinct = distinctDegrees[h]
        // Per query (one MLP pass each, so that memory follows one query's rows): its distinct-degree
        // rows, then its partner candidates' rows. A partner's count with each other member is how often
        // it appears in that member's partner list; its whole tuple can be counted only where every such
        // count is positive, and only then is it looked up.
        var shared = [[Int32]](repeating: [Int32](repeating: 0, count: n), count: p)
        var seen = [Bool](repeating: false, count: n), term = [Float](repeating: 0, count: n)
        let whole = parts.count - 1
        for q in 0..<count {
            let query = Array(queries[(q * p)..<(q * p + p)])
            var base = HyperedgeCounts.features(query, in: tables)
            for (k, part) in parts.enumerated() where part.contains(h) { base[k] = 0 }
            var rows = [Float](), warm = [Int32]()
            for degree in distinct {
                var row = base
                row[h] = HyperedgeCounts.logCount(degree)
                rows += row
            }
            for k in 0..<p where k != h {
                let item = Int(query[k])
                for c in partners[h][k][partnerStarts[k][item]..<partnerStarts[k][item + 1]] {
                    if !seen[Int(c)] {
                        seen[Int(c)] = true
                        warm.append(c)
                    }
                    shared[k][Int(c)] += 1
                }
            }
            var tuple = query
            for c in warm {
                var row = base
                row[h] = HyperedgeCounts.logCount(distinct[Int(degreeIndex[h][Int(c)])])
                for (index, part) in parts.enumerated() where part.count == 2 && part.contains(h) && p >= 3 {
                    row[index] = HyperedgeCounts.logCount(shared[part[0] == h ? part[1] : part[0]][Int(c)])
                }
                if p == 2 {
                    row[whole] = HyperedgeCounts.logCount(shared[1 - h][Int(c)])
                } else if (0..<p).allSatisfy({ $0 == h || shared[$0][Int(c)] > 0 }) {
                    tuple[h] = c
                    row[whole] = HyperedgeCounts.logCount(tables.reduce(0) { $0 + $1.wholeCount(tuple) })
                }
                rows += row
            }
            let values = perceptron(Matrix(rows: rows.count / width, columns: width, uncheckedStorage: rows))
            for c in 0..<n { term[c] = values[Int(degreeIndex[h][c])] }
            for (w, c) in warm.enumerated() {
                term[Int(c)] = values[distinct.count + w]
                seen[Int(c)] = false
                for k in 0..<p { shared[k][Int(c)] = 0 }
            }
            for c in 0..<n { scores.storage[q * n + c] += term[c] }
        }
    }

    /// `MLP(x)`, one value per row: ReLU after every layer but the last (``DecoderPass``'s perceptron).
    private func perceptron(_ input: Matrix) -> [Float] {
        var x = input
        for (index, layer) in layers.enumerated() {
            var y = Matrix.uncheckedProduct(x, layer.weight)
            if let bias = layer.bias { y.uncheckedAddRowVector(bias) }
            if index < layers.count - 1 { CPUKernels.reluDropout(&y, mask: nil) }
            x = y
        }
        return x.storage
    }
}
