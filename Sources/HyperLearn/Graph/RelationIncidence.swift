/// The incidence of one modality with the other members of the relations it takes part in.
///
/// Column `c` stands for one item of another member position of one relation ("rated by user 42",
/// "used on movie 7"); entry `(i, c)` counts the training hyperedges in which item `i` meets that item.
/// This one matrix serves three purposes (docs/method.md): its columns are the hyperedges of the *induced*
/// per-modality hypergraph, its product with its transpose counts co-occurrences, and its rows are the
/// sparse "bag of co-occurring items" input features.
///
/// - Parameters:
///   - modality: the modality's index in the dataset.
///   - relations: the relations, of which those having `modality` as a member contribute.
///   - sizes: item counts of every modality.
///   - binary: store 1 instead of counts.
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when a size is negative, `modality` or a relation's
///   member is outside `sizes`, or a training hyperedge names an item outside its modality.
public func relationIncidence(modality: Int, relations: [Relation], sizes: [Int], binary: Bool = false) throws -> SparseMatrix {
    let function = "relationIncidence"
    guard modality >= 0 && modality < sizes.count else {
        throw HyperLearnError.invalidArgument("\(function): modality \(modality) is outside the \(sizes.count) sizes")
    }
    if let bad = sizes.firstIndex(where: { $0 < 0 }) {
        throw HyperLearnError.invalidArgument("\(function): size \(bad) is negative (\(sizes[bad]))")
    }
    for relation in relations where relation.members.contains(modality) {
        if let bad = relation.members.first(where: { $0 < 0 || $0 >= sizes.count }) {
            throw HyperLearnError.invalidArgument("\(function): relation '\(relation.name)' names modality \(bad), outside the \(sizes.count) sizes")
        }
        try relation.train.checkMembers(within: relation.members.map { sizes[$0] }, function: "\(function): relation '\(relation.name)'")
    }
    var entries = [(row: Int, column: Int, value: Float)]()
    var columnBase = 0
    for relation in relations {
        let positions = relation.members.indices.filter { relation.members[$0] == modality }
        for position in positions {
            for other in relation.members.indices where other != position {
                let set = relation.train
                for e in 0..<set.count {
                    entries.append((Int(set.members[e * set.order + position]),
                                    columnBase + Int(set.members[e * set.order + other]), 1))
                }
                columnBase += sizes[relation.members[other]]
            }
        }
    }
    var incidence = SparseMatrix(rows: sizes[modality], columns: columnBase, uncheckedEntries: entries)
    if binary { for k in 0..<incidence.values.count { incidence.values[k] = 1 } }
    return incidence
}

/// Keeps only the columns of `incidence` that hold at least `minimum` entries, renumbered.
func droppingSmallColumns(_ incidence: SparseMatrix, minimum: Int) -> SparseMatrix {
    var degree = [Int](repeating: 0, count: incidence.columns)
    for c in incidence.columnIndices { degree[Int(c)] += 1 }
    var newIndex = [Int32](repeating: -1, count: incidence.columns)
    var kept = 0
    for c in 0..<incidence.columns where degree[c] >= minimum { newIndex[c] = Int32(kept); kept += 1 }
    var entries = [(row: Int, column: Int, value: Float)]()
    for i in 0..<incidence.rows {
        for k in incidence.rowOffsets[i]..<incidence.rowOffsets[i + 1] where newIndex[Int(incidence.columnIndices[k])] >= 0 {
            entries.append((i, Int(newIndex[Int(incidence.columnIndices[k])]), incidence.values[k]))
        }
    }
    return SparseMatrix(rows: incidence.rows, columns: kept, uncheckedEntries: entries)
}

/// The co-occurrence graph of one modality: items `a ≠ b` are weighted by the number of other items
/// (columns of the binary `incidence`) they share; each item keeps its top `k` by count (ties to the
/// lower index), and the result is symmetrised and binary. Columns joining more than `hubLimit`
/// items are skipped, so that one popular item does not connect everything.
///
/// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `k` or `hubLimit` is negative.
public func cooccurrenceGraph(incidence: SparseMatrix, k: Int, hubLimit: Int) throws -> SparseMatrix {
    guard k >= 0, hubLimit >= 0 else {
        throw HyperLearnError.invalidArgument("cooccurrenceGraph: k \(k) and hubLimit \(hubLimit) must be at least 0")
    }
    let n = incidence.rows
    let byColumn = incidence.transposed
    var counts = [Float](repeating: 0, count: n)
    var touched = [Int]()
    var entries = [(row: Int, column: Int, value: Float)]()
    for a in 0..<n {
        for p in incidence.rowOffsets[a]..<incidence.rowOffsets[a + 1] {
            let column = Int(incidence.columnIndices[p])
            let members = byColumn.rowOffsets[column]..<byColumn.rowOffsets[column + 1]
            if members.count > hubLimit { continue }
            for q in members {
                let b = Int(byColumn.columnIndices[q])
                if b == a { continue }
                if counts[b] == 0 { touched.append(b) }
                counts[b] += 1
            }
        }
        touched.sort { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }
        for b in touched.prefix(k) {
            entries.append((a, b, 1))
            entries.append((b, a, 1))
        }
        for b in touched { counts[b] = 0 }
        touched.removeAll(keepingCapacity: true)
    }
    var graph = SparseMatrix(rows: n, columns: n, uncheckedEntries: entries)
    for i in 0..<graph.values.count { graph.values[i] = 1 }
    return graph
}
