/// The rows one sampled training step computes for one modality, layer by layer, and the sampled
/// propagations between them (GraphSAGE's minibatch algorithm; PyG's `NeighborLoader` and DGL's
/// "blocks" build the same thing).
///
/// `nodes[L]` are the seeds (the items the step's hyperedges name); `nodes[k]` are the rows layer `k`
/// reads, which start with `nodes[k + 1]` (so that a root weight reads its own rows as a prefix) and
/// continue with the sampled neighbours. `operators[k]` maps `nodes[k]` (columns) to `nodes[k + 1]` (rows).
struct SampledNeighborhood {
    /// Item indices per level, input level first.
    var nodes: [[Int32]]
    var operators: [SampledPropagation]
}

/// A sampled propagation: `P̃ x = Σ_t w_t · A_t x` (or `w_t · S_t (R_t x)`), as ``PropagationTerm``s, and
/// its transpose for the backward pass (`P̃` is rectangular, so it is not its own transpose).
struct SampledPropagation {
    var rows: Int
    var columns: Int
    var terms: [PropagationTerm]
    var transposedTerms: [PropagationTerm]
}

/// Samples neighbourhoods over a modality's ``Propagation`` terms (docs/method.md, "Sampled mini-batches").
///
/// Per output row and per term: a graph term keeps up to `fanout` of the row's entries, drawn uniformly
/// without replacement and scaled by `degree / fanout`, so that `E[P̃ x] = P x`. A hypergraph term
/// (`S (Sᵀ x)`) samples up to `fanout` of the item's hyperedges, then up to `fanout` items of each
/// sampled hyperedge, with the same scaling at both stages. A fanout of −1 (or one at least the degree)
/// keeps every entry unscaled, so that the sampled step equals the full-graph step on the seeds.
struct NeighborSampler {
    let terms: [PropagationTerm]
    let count: Int

    init(_ propagation: any Propagation) {
        terms = propagation.terms
        count = propagation.count
    }

    /// The levels for `seeds` (distinct item indices), with `fanouts[0]` for the hop from the seeds, as
    /// PyG orders them; `fanouts.count` is the number of propagations.
    func sample(seeds: [Int32], fanouts: [Int], using generator: inout SeededGenerator) -> SampledNeighborhood {
        var items = ColumnMap(count: count)
        var edges = ColumnMap(count: terms.compactMap { $0.second?.columns }.max() ?? 0)
        var levels = [seeds]
        var operators = [SampledPropagation]()
        for fanout in fanouts {
            let targets = levels[0]
            for item in targets { _ = items.column(item) }
            var sampled = [(first: Rows, second: Rows?, weight: Float)]()
            for term in terms {
                if let second = term.second {
                    // Stage 1: the targets' hyperedges (rows of S); stage 2: each sampled hyperedge's items.
                    let toEdges = Self.sampleRows(second, rows: targets, fanout: fanout, using: &generator, map: &edges)
                    let fromItems = Self.sampleRows(term.first, rows: edges.items, fanout: fanout, using: &generator, map: &items)
                    sampled.append((fromItems, toEdges, term.weight))
                    edges.reset()
                } else {
                    sampled.append((Self.sampleRows(term.first, rows: targets, fanout: fanout, using: &generator, map: &items),
                                    nil, term.weight))
                }
            }
            let columns = items.items
            items.reset()
            var forward = [PropagationTerm](), backward = [PropagationTerm]()
            for (first, second, weight) in sampled {
                if let second {
                    let r = first.matrix(columns: columns.count), s = second.matrix(columns: first.count)
                    forward.append(PropagationTerm(first: r, second: s, weight: weight))
                    backward.append(PropagationTerm(first: s.transposed, second: r.transposed, weight: weight))
                } else {
                    let a = first.matrix(columns: columns.count)
                    forward.append(PropagationTerm(first: a, second: nil, weight: weight))
                    backward.append(PropagationTerm(first: a.transposed, second: nil, weight: weight))
                }
            }
            operators.insert(SampledPropagation(rows: targets.count, columns: columns.count, terms: forward,
                                                transposedTerms: backward), at: 0)
            levels.insert(columns, at: 0)
        }
        return SampledNeighborhood(nodes: levels, operators: operators)
    }

    /// Numbers the distinct indices it sees in order of first appearance (the columns of a level).
    struct ColumnMap {
        private var position: [Int32]
        private(set) var items = [Int32]()

        init(count: Int) { position = [Int32](repeating: -1, count: count) }

        mutating func column(_ item: Int32) -> Int32 {
            let known = position[Int(item)]
            if known >= 0 { return known }
            let next = Int32(items.count)
            position[Int(item)] = next
            items.append(item)
            return next
        }

        /// Forgets every index (in time proportional to their number).
        mutating func reset() {
            for item in items { position[Int(item)] = -1 }
            items.removeAll(keepingCapacity: true)
        }
    }

    /// Sampled rows of a CSR matrix, before their column count is known.
    struct Rows {
        var offsets = [0]
        var columns = [Int32]()
        var values = [Float]()
        var count: Int { offsets.count - 1 }

        func matrix(columns width: Int) -> SparseMatrix {
            SparseMatrix(rows: count, columns: width, uncheckedRowOffsets: offsets, columnIndices: columns, values: values)
        }
    }

    /// For each of `rows`, up to `fanout` of its entries in `matrix` (uniformly, without replacement),
    /// each scaled by `degree / kept`; `map` numbers the kept entries' columns, and each row's entries are
    /// stored sorted by those numbers (the CSR invariant).
    private static func sampleRows(_ matrix: SparseMatrix, rows: [Int32], fanout: Int, using generator: inout SeededGenerator,
                                   map: inout ColumnMap) -> Rows {
        var result = Rows()
        let offsets = matrix.rowOffsets, indices = matrix.columnIndices, values = matrix.values
        result.offsets.reserveCapacity(rows.count + 1)
        result.columns.reserveCapacity(rows.count * max(1, min(fanout < 0 ? 16 : fanout, 64)))
        result.values.reserveCapacity(result.columns.capacity)
        var picked = [Int]()
        for item in rows {
            let start = offsets[Int(item)], degree = offsets[Int(item) + 1] - start
            let rowStart = result.columns.count
            if fanout < 0 || degree <= fanout {
                for k in start..<(start + degree) {
                    result.columns.append(map.column(indices[k]))
                    result.values.append(values[k])
                }
            } else {
                // Floyd's algorithm: `fanout` distinct offsets, each draw checked against the few so far.
                picked.removeAll(keepingCapacity: true)
                for j in (degree - fanout)..<degree {
                    let t = Int(generator.next() % UInt64(j + 1))
                    picked.append(picked.contains(t) ? j : t)
                }
                let scale = Float(degree) / Float(fanout)
                for offset in picked {
                    result.columns.append(map.column(indices[start + offset]))
                    result.values.append(values[start + offset] * scale)
                }
            }
            sortRow(&result.columns, &result.values, rowStart..<result.columns.count)
            result.offsets.append(result.columns.count)
        }
        return result
    }
}

/// Sorts the entries `range` of a CSR row by column, moving each value with its column: insertion sort
/// for the short rows of a sample, a full sort for long ones.
func sortRow(_ columns: inout [Int32], _ values: inout [Float], _ range: Range<Int>) {
    guard range.count > 1 else { return }
    if range.count > 32 {
        let sorted = range.map { (columns[$0], values[$0]) }.sorted { $0.0 < $1.0 }
        for (k, entry) in zip(range, sorted) { (columns[k], values[k]) = entry }
        return
    }
    var i = range.lowerBound + 1
    while i < range.upperBound {
        let column = columns[i], value = values[i]
        var j = i
        while j > range.lowerBound && columns[j - 1] > column {
            columns[j] = columns[j - 1]
            values[j] = values[j - 1]
            j -= 1
        }
        columns[j] = column
        values[j] = value
        i += 1
    }
}
