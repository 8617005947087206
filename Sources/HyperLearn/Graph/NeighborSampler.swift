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
        var position = [Int32](repeating: -1, count: count)
        var levels = [seeds]
        var operators = [SampledPropagation]()
        for fanout in fanouts {
            let targets = levels[0]
            var columns = targets
            for (r, item) in targets.enumerated() { position[Int(item)] = Int32(r) }
            func column(_ item: Int32) -> Int32 {
                if position[Int(item)] < 0 {
                    position[Int(item)] = Int32(columns.count)
                    columns.append(item)
                }
                return position[Int(item)]
            }
            var sampled = [(first: Rows, second: Rows?, weight: Float)]()
            for term in terms {
                if let second = term.second {
                    // Stage 1: the targets' hyperedges (rows of S); stage 2: each sampled hyperedge's items.
                    var edgePosition = [Int: Int32](), edgeIDs = [Int]()
                    let toEdges = Self.sampleRows(second, rows: targets, fanout: fanout, using: &generator) { e in
                        if let p = edgePosition[e] { return p }
                        edgePosition[e] = Int32(edgeIDs.count)
                        edgeIDs.append(e)
                        return Int32(edgeIDs.count - 1)
                    }
                    let fromItems = Self.sampleRows(term.first, rows: edgeIDs.map { Int32($0) }, fanout: fanout,
                                                    using: &generator) { column(Int32($0)) }
                    sampled.append((fromItems, toEdges, term.weight))
                } else {
                    let rows = Self.sampleRows(term.first, rows: targets, fanout: fanout, using: &generator) {
                        column(Int32($0))
                    }
                    sampled.append((rows, nil, term.weight))
                }
            }
            for item in columns { position[Int(item)] = -1 }
            let width = columns.count
            var forward = [PropagationTerm](), backward = [PropagationTerm]()
            for (first, second, weight) in sampled {
                if let second {
                    let r = first.matrix(columns: width), s = second.matrix(columns: first.count)
                    forward.append(PropagationTerm(first: r, second: s, weight: weight))
                    backward.append(PropagationTerm(first: s.transposed, second: r.transposed, weight: weight))
                } else {
                    let a = first.matrix(columns: width)
                    forward.append(PropagationTerm(first: a, second: nil, weight: weight))
                    backward.append(PropagationTerm(first: a.transposed, second: nil, weight: weight))
                }
            }
            operators.insert(SampledPropagation(rows: targets.count, columns: width, terms: forward,
                                                transposedTerms: backward), at: 0)
            levels.insert(columns, at: 0)
        }
        return SampledNeighborhood(nodes: levels, operators: operators)
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
    /// each scaled by `degree / kept`; `column` maps a kept entry's column, and each row's entries are
    /// stored sorted by their mapped column (the CSR invariant).
    private static func sampleRows(_ matrix: SparseMatrix, rows: [Int32], fanout: Int, using generator: inout SeededGenerator,
                                   column: (Int) -> Int32) -> Rows {
        var result = Rows()
        let offsets = matrix.rowOffsets, indices = matrix.columnIndices, values = matrix.values
        var picked = [Int](), row = [(column: Int32, value: Float)]()
        for item in rows {
            let start = offsets[Int(item)], degree = offsets[Int(item) + 1] - start
            picked.removeAll(keepingCapacity: true)
            var scale: Float = 1
            if fanout < 0 || degree <= fanout {
                picked.append(contentsOf: 0..<degree)
            } else {
                // Floyd's algorithm: `fanout` distinct offsets in O(fanout²) draws-and-checks, fanout small.
                for j in (degree - fanout)..<degree {
                    let t = Int(generator.next() % UInt64(j + 1))
                    picked.append(picked.contains(t) ? j : t)
                }
                scale = Float(degree) / Float(fanout)
            }
            row.removeAll(keepingCapacity: true)
            for offset in picked {
                row.append((column(Int(indices[start + offset])), values[start + offset] * scale))
            }
            row.sort { $0.column < $1.column }
            for entry in row {
                result.columns.append(entry.column)
                result.values.append(entry.value)
            }
            result.offsets.append(result.columns.count)
        }
        return result
    }
}
