/// What one encoder pass computes, on its device: the rows each layer reads and writes and the
/// propagation between them.
///
/// A full-graph pass (``full(_:features:sparse:sparseTransposed:propagation:levels:)``) computes every
/// item at every layer with the modality's propagation `P` (symmetric, so backward applies it again).
/// A sampled pass (``sampled(on:encoder:features:neighborhood:seeds:levels:)``) computes only the rows of a
/// ``SampledNeighborhood``: the first layer reads the table and feature rows of its input level, and
/// each layer writes the rows of the next level through a sampled propagation (backward applies its
/// transpose).
struct EncoderPass<Ops: TensorOperations> {
    typealias DevicePropagation = TrainingEngine<Ops>.DevicePropagation

    struct Level {
        /// `P` (or `P̃`) from the level's input rows to its output rows; nil without a propagation.
        var forward: DevicePropagation?
        /// `Pᵀ`, from output rows back to input rows.
        var backward: DevicePropagation?
        /// Output rows.
        var rows: Int
        /// The output rows' positions among the input rows (what a root weight reads); nil: the same rows.
        var ownRows: Ops.IndexVector?
    }

    /// The item of each input row; nil: every item, in order.
    var inputRows: Ops.IndexVector?
    var inputCount: Int
    /// Dense features of the input rows.
    var features: Ops.Tensor?
    /// Sparse input features of the input rows, and their transpose.
    var sparse: Ops.SparseTensor?
    var sparseTransposed: Ops.SparseTensor?
    /// One per propagation: the first layer's, then one per convolution.
    var levels: [Level]
    /// A sampled pass's first propagation with the items' own indices as columns (`|S₁| × n`), and the
    /// items of its output rows. With it the first layer propagates the table and the
    /// dense features before transforming them, `(P̃E)W` instead of `P̃(E[S₀]W)`: the input level `S₀`
    /// covers most of a modality, its output level `S₁` far less. (Backward puts the table's gradient on
    /// `S₀`'s rows with the level's own transposed operator.)
    var firstOverItems: (forward: DevicePropagation, ownItems: Ops.IndexVector)?

    /// The pass over every item.
    static func full(_ count: Int, features: Ops.Tensor?, sparse: Ops.SparseTensor?, sparseTransposed: Ops.SparseTensor?,
                     propagation: DevicePropagation?, levels: Int) -> EncoderPass {
        EncoderPass(inputRows: nil, inputCount: count, features: features, sparse: sparse, sparseTransposed: sparseTransposed,
                    levels: Array(repeating: Level(forward: propagation, backward: propagation, rows: count, ownRows: nil),
                                  count: levels),
                    firstOverItems: nil)
    }

    /// The pass over `seeds` and their sampled `neighborhood` (nil for a modality without a propagation),
    /// uploaded to `ops`; `features` are the modality's dense features on `ops`.
    static func sampled(on ops: Ops, encoder: ModalityEncoder, features: Ops.Tensor?, neighborhood: SampledNeighborhood?,
                        seeds: [Int32], levels: Int) throws -> EncoderPass {
        let nodes: [[Int32]]
        var deviceLevels = [Level]()
        var firstOverItems: (forward: DevicePropagation, ownItems: Ops.IndexVector)?
        if let neighborhood {
            nodes = neighborhood.nodes
            let forward = neighborhood.operators[0].terms.map { term in
                PropagationTerm(first: term.first.uncheckedRemappingColumns(through: nodes[0], columns: encoder.count),
                                second: term.second, weight: term.weight)
            }
            firstOverItems = (try upload(forward, rows: nodes[1].count, ops: ops), try ops.upload(nodes[1]))
            for (k, sampled) in neighborhood.operators.enumerated() {
                let own = try ops.upload((0..<Int32(nodes[k + 1].count)).map { $0 })
                deviceLevels.append(Level(forward: try upload(sampled.terms, rows: sampled.rows, ops: ops),
                                          backward: try upload(sampled.transposedTerms, rows: sampled.columns, ops: ops),
                                          rows: sampled.rows, ownRows: own))
            }
        } else {
            nodes = [seeds]
            deviceLevels = Array(repeating: Level(forward: nil, backward: nil, rows: seeds.count, ownRows: nil), count: levels)
        }
        let input = nodes[0]
        let rows = try ops.upload(input)
        var inputFeatures: Ops.Tensor?
        if firstOverItems == nil, let features, let width = encoder.features?.columns {
            var gathered = try ops.zeros(rows: input.count, columns: width)
            try ops.gatherRows(features, rows, into: &gathered, atRow: 0)
            inputFeatures = gathered
        }
        let sparse = encoder.sparseFeatures.map { $0.uncheckedRows(input) }
        return EncoderPass(inputRows: rows, inputCount: input.count, features: inputFeatures,
                           sparse: try sparse.map { try ops.upload($0) },
                           sparseTransposed: try sparse.map { try ops.upload($0.transposed) },
                           levels: deviceLevels, firstOverItems: firstOverItems)
    }

    /// Propagation terms on `ops`, as the engine applies them (`rows`: the result's row count).
    static func upload(_ terms: [PropagationTerm], rows: Int, ops: Ops) throws -> DevicePropagation {
        DevicePropagation(terms: try terms.map { term in
            (try ops.upload(term.first), term.first.rows, try term.second.map { try ops.upload($0) }, term.weight)
        }, count: rows)
    }

    /// Rows read by level `k` (the input rows for the first).
    func inputRows(ofLevel k: Int) -> Int { k == 0 ? inputCount : levels[k - 1].rows }
}

extension SparseMatrix {
    /// The rows `rows` (in that order) of this matrix, for indices known to be in range.
    func uncheckedRows(_ rows: [Int32]) -> SparseMatrix {
        var offsets = [0], columns = [Int32](), values = [Float]()
        let stored = self.values
        for row in rows {
            let range = rowOffsets[Int(row)]..<rowOffsets[Int(row) + 1]
            columns.append(contentsOf: columnIndices[range])
            values.append(contentsOf: stored[range])
            offsets.append(columns.count)
        }
        return SparseMatrix(rows: rows.count, columns: self.columns, uncheckedRowOffsets: offsets, columnIndices: columns,
                            values: values)
    }
}

extension SparseMatrix {
    /// This matrix with column `c` renamed `map[c]` in a space of `columns` columns (each row re-sorted),
    /// for a `map` of distinct indices below `columns`.
    func uncheckedRemappingColumns(through map: [Int32], columns width: Int) -> SparseMatrix {
        var newColumns = columnIndices.map { map[Int($0)] }
        var newValues = values
        for r in 0..<rows { sortRow(&newColumns, &newValues, rowOffsets[r]..<rowOffsets[r + 1]) }
        return SparseMatrix(rows: rows, columns: width, uncheckedRowOffsets: rowOffsets, columnIndices: newColumns, values: newValues)
    }
}
