import Foundation

extension Manifest {
    /// Reads the manifest's data files into a dataset.
    /// - Parameter dataRoot: Where relative paths resolve (default: the manifest's folder).
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` naming the manifest line for a
    ///   missing file, and the data file, line and column for bad data.
    public func loadDataset(dataRoot: URL? = nil) throws -> LoadedDataset {
        try ManifestLoader(manifest: self, dataRoot: dataRoot).load()
    }
}

/// Turns a validated ``Manifest`` into a ``Dataset``.
///
/// Each modality's items are numbered in order of first appearance: features file first, then the
/// relations' training files, then their test files, then graph and hypergraph files. Text IDs are
/// strings (`42` and `0042` differ). In `.npy`/`.npz` files the values are already indices `0 ..< n`,
/// with `n` from the modality's `count`, else the archive's `nums_type`, else the largest index + 1.
public struct ManifestLoader {
    public let manifest: Manifest
    public let dataRoot: URL?

    /// A loader for `manifest`.
    /// - Parameters:
    ///   - manifest: A parsed manifest.
    ///   - dataRoot: Where relative paths resolve (default: the manifest's folder).
    public init(manifest: Manifest, dataRoot: URL? = nil) {
        self.manifest = manifest
        self.dataRoot = dataRoot
    }

    private struct IDTable {
        var index: [String: Int32] = [:]
        var ids: [String] = []
        var modality = ""
        /// A table of a trained model's items: an ID it lacks is an error, not a new item.
        var frozen = false
        mutating func register(_ id: String) throws -> Int32 {
            if let found = index[id] { return found }
            if frozen { throw UnknownItem(id: id) }
            guard ids.count < InputLimits.maximumItems else {
                throw HyperLearnError.invalidArgument("modality '\(modality)' has more than \(InputLimits.maximumItems) items (item indices are 32-bit)")
            }
            let next = Int32(ids.count)
            index[id] = next
            ids.append(id)
            return next
        }
    }

    /// An ID that a frozen table lacks (``loadTestSplits(ids:)``).
    private struct UnknownItem: Error { var id: String }

    /// Reads only the relations' test files, numbering items as `ids[m]` (a trained model's items): no
    /// training file, feature file or graph is read. An ID outside the model is an error naming the
    /// file, the line and the field. Returns one set per relation (`nil` without a test file).
    public func loadTestSplits(ids: [[String]]) throws -> [HyperedgeSet?] {
        guard ids.count == manifest.modalities.count else {
            throw HyperLearnError.invalidInput(file: manifest.fileName, line: nil, field: "modalities",
                                               reason: "\(manifest.modalities.count) modalities; the model has \(ids.count)")
        }
        let modalityIndex = Dictionary(uniqueKeysWithValues: manifest.modalities.enumerated().map { ($1.name, $0) })
        var tables = zip(manifest.modalities, ids).map { modality, items in
            IDTable(index: Dictionary(uniqueKeysWithValues: items.enumerated().map { ($1, Int32($0)) }), ids: items,
                    modality: modality.name, frozen: true)
        }
        var arraySources: [String: ArraySource] = [:]
        var result = [HyperedgeSet?]()
        for relation in manifest.relations {
            if let split = relation.testSplit {
                // The held-out part of the training file, drawn as `train` drew it.
                if relation.train.file.isArrayFile { arraySources[relation.train.field] = try readArraySource(relation.train) }
                let all = try readRelationSource(relation.train, relation, modalityIndex, &tables, arraySources)
                let test = Self.split(all, order: relation.members.count, split).test
                result.append(try HyperedgeSet(order: relation.members.count, members: test.members, values: test.values))
                continue
            }
            guard let test = relation.test else { result.append(nil); continue }
            let url = manifest.resolve(test.file, dataRoot: dataRoot)
            try InputFile.requireRegularFile(url, file: manifest.fileName, line: test.file.line, field: test.file.field)
            if test.file.isArrayFile { arraySources[test.field] = try readArraySource(test) }
            let set = try readRelationSource(test, relation, modalityIndex, &tables, arraySources)
            let order = relation.members.count
            let hyperedges = try HyperedgeSet(order: order, members: set.members, values: set.values)
            for (k, item) in hyperedges.members.enumerated() where item < 0 || Int(item) >= ids[modalityIndex[relation.members[k % order]]!].count {
                throw arrayError(test, "hyperedge \(k / order): index \(item) is outside the model's \(ids[modalityIndex[relation.members[k % order]]!].count) items")
            }
            result.append(hyperedges)
        }
        return result
    }

    private struct LoadedSet {
        var members: [Int32] = []
        var values: [Float]?
    }

    /// `set` without and with the hyperedges that `split` holds out (``HeldOutSplit``).
    private static func split(_ set: LoadedSet, order: Int, _ split: Manifest.TestSplitSpec) -> (train: LoadedSet, test: LoadedSet) {
        let held = HeldOutSplit.testIndices(members: set.members, order: order, fraction: split.fraction, seed: split.seed,
                                            byMember: split.byMember)
        var isHeld = [Bool](repeating: false, count: set.members.count / max(order, 1))
        for e in held { isHeld[e] = true }
        var train = LoadedSet(values: set.values.map { _ in [] }), test = LoadedSet(values: set.values.map { _ in [] })
        for (e, held) in isHeld.enumerated() {
            let members = set.members[(e * order)..<((e + 1) * order)]
            if held {
                test.members += members
                if let values = set.values { test.values!.append(values[e]) }
            } else {
                train.members += members
                if let values = set.values { train.values!.append(values[e]) }
            }
        }
        return (train, test)
    }

    private struct ArraySource {
        var array: NPYArray
        var numsType: [Int64]?
    }

    /// Reads every file and builds the dataset.
    public func load() throws -> LoadedDataset {
        let modalityIndex = Dictionary(uniqueKeysWithValues: manifest.modalities.enumerated().map { ($1.name, $0) })
        for reference in manifest.fileReferences() {
            // Before anything is opened: a FIFO would block the open, a device never end.
            try InputFile.requireRegularFile(manifest.resolve(reference, dataRoot: dataRoot), file: manifest.fileName,
                                             line: reference.line, field: reference.field)
        }
        var tables = manifest.modalities.map { IDTable(modality: $0.name) }

        // 1. Arrays first: they fix the item counts of index-numbered modalities.
        var arraySources: [String: ArraySource] = [:]
        var indexCounts: [Int: Int] = [:]
        for relation in manifest.relations {
            for source in [relation.train, relation.test].compactMap({ $0 }) where source.file.isArrayFile {
                let loaded = try readArraySource(source)
                arraySources[source.field] = loaded
                let columns = source.columns ?? Array(0..<relation.members.count)
                let (rows, width) = try matrixShape(loaded.array, source)
                let values = try loaded.array.doubleValues()
                for (j, member) in relation.members.enumerated() {
                    guard let m = modalityIndex[member] else { continue }
                    if let nums = loaded.numsType, j < nums.count, !(1...Int64(InputLimits.maximumItems)).contains(nums[j]) {
                        throw arrayError(source, "nums_type[\(j)] is \(nums[j]); an item count is in 1...\(InputLimits.maximumItems)", field: "nums_type")
                    }
                    let column = columns[j]
                    guard column < width else {
                        throw arrayError(source, "column \(column) is needed but the array has \(width) column(s)")
                    }
                    var largest = -1
                    for r in 0..<rows {
                        let v = values[r * width + column]
                        guard v.isFinite, v == v.rounded() else {
                            throw arrayError(source, "row \(r), column \(column): \(v) is not an integer index")
                        }
                        guard v >= 0, v < 2_147_483_647 else {
                            throw arrayError(source, "row \(r), column \(column): index \(v) is out of range")
                        }
                        let index = Int(v)
                        if let explicit = manifest.modalities[m].count, index >= explicit {
                            throw arrayError(source, "row \(r), column \(column): index \(index) is outside 0..<\(explicit) (count of '\(member)')")
                        }
                        if let nums = loaded.numsType, j < nums.count, Int64(index) >= nums[j] {
                            throw arrayError(source, "row \(r), column \(column): index \(index) is outside 0..<\(nums[j]) (nums_type[\(j)])")
                        }
                        largest = max(largest, index)
                    }
                    var count = max(indexCounts[m] ?? 0, largest + 1)
                    if let nums = loaded.numsType, j < nums.count { count = max(count, Int(clamping: nums[j])) }
                    if let explicit = manifest.modalities[m].count { count = explicit }
                    indexCounts[m] = count
                }
            }
        }
        for (m, spec) in manifest.modalities.enumerated() {
            if let count = indexCounts[m] ?? spec.count {
                // Each item gets an ID string and a table entry: refuse a count (written, or implied by
                // one huge index) that cannot fit, before spending minutes filling memory.
                let bytes = Double(count) * Double(InputLimits.bytesPerIndexedItem)
                guard bytes <= Double(ProcessInfo.processInfo.physicalMemory) / 2 else {
                    throw HyperLearnError.invalidInput(
                        file: manifest.fileName, line: spec.line, field: "modalities.\(spec.name)",
                        reason: String(format: "%d items (from its count, nums_type or largest index) need about %.0f GB; this machine has %.0f GB",
                                       count, bytes / 1e9, Double(ProcessInfo.processInfo.physicalMemory) / 1e9))
                }
                for i in 0..<count { _ = try tables[m].register(String(i)) }
            }
        }

        // 2. Features files.
        var featureRows: [Int: [FeatureRow]] = [:]
        var fromFeatures = [Int](repeating: 0, count: manifest.modalities.count)
        for (m, spec) in manifest.modalities.enumerated() {
            guard let features = spec.features else { continue }
            let rows = try self.featureRows(features, file: features.file) { id, _ in try tables[m].register(id) }
            featureRows[m] = rows
            fromFeatures[m] = rows.count
        }

        // 3. Relations: training files, then test files.
        var trainSets = [LoadedSet](repeating: LoadedSet(), count: manifest.relations.count)
        var testSets = [LoadedSet?](repeating: nil, count: manifest.relations.count)
        for (r, relation) in manifest.relations.enumerated() {
            trainSets[r] = try readRelationSource(relation.train, relation, modalityIndex, &tables, arraySources)
        }
        for (r, relation) in manifest.relations.enumerated() {
            if let test = relation.test {
                testSets[r] = try readRelationSource(test, relation, modalityIndex, &tables, arraySources)
            } else if let split = relation.testSplit {
                (trainSets[r], testSets[r]) = Self.split(trainSets[r], order: relation.members.count, split)
            }
        }

        // 4. Graph and hypergraph files.
        let countsBeforeStructure = tables.map(\.ids.count)
        var edgeLists: [Int: [(Int32, Int32, Float)]] = [:]
        var groupLists: [Int: [[Int32]]] = [:]
        for (m, spec) in manifest.modalities.enumerated() {
            if case let .file(reference, format, columns, weight) = spec.graph {
                var edges: [(Int32, Int32, Float)] = []
                let text = try reader(reference, format), header = try text.header()
                let ends = try format.columns("columns", columns, header: header, place: text.columnsPlace)
                let weightColumn = try weight.map { try format.column("weight", $0, header: header, place: text.columnsPlace) }
                try text.forEachRow { row in
                    let a = try tables[m].register(try row.identifier(at: ends[0], name: "source"))
                    let b = try tables[m].register(try row.identifier(at: ends[1], name: "target"))
                    let w = try weightColumn.map { Float(try bounded(row, $0, "weight", positive: true)) } ?? 1
                    edges.append((a, b, w))
                }
                edgeLists[m] = edges
            }
            if case let .edgeArray(reference, arrayName, field) = spec.graph {
                edgeLists[m] = try readEdgeArray(reference, array: arrayName, field: field, items: tables[m],
                                                 modality: spec.name)
            }
            if case let .groups(reference, format) = spec.hypergraph {
                var groups: [[Int32]] = []
                try reader(reference, format).forEachRow { row in
                    var group: [Int32] = []
                    for column in 0..<row.count {
                        let item = try tables[m].register(try row.identifier(at: column, name: "member"))
                        if !group.contains(item) { group.append(item) }
                    }
                    groups.append(group)
                }
                groupLists[m] = groups
            }
        }

        // 5. Assemble.
        var dataset = Dataset(name: manifest.name)
        for (m, spec) in manifest.modalities.enumerated() {
            let count = tables[m].ids.count
            var graph: GraphSource?
            switch spec.graph {
            case .file?, .edgeArray?: graph = .adjacency(try symmetricAdjacency(edgeLists[m] ?? [], count: count))
            case let .nearestNeighbors(k)?: graph = .nearestNeighbors(k: k)
            case let .cooccurrence(k, hub)?: graph = hub.map { .cooccurrence(k: k, hubLimit: $0) } ?? .cooccurrence(k: k)
            case nil: graph = nil
            }
            var hypergraph: HypergraphSource?
            switch spec.hypergraph {
            case .induced?: hypergraph = .induced
            case .groups?: hypergraph = .groups(groupLists[m] ?? [])
            case nil: hypergraph = nil
            }
            let features = spec.features.map { FeatureEncoding($0, rows: featureRows[m] ?? []).matrix(featureRows[m] ?? [], count: count) }
            if case .nearestNeighbors? = spec.graph, (features ?? nil) == nil {
                throw HyperLearnError.invalidInput(
                    file: manifest.fileName, line: spec.line, field: "modalities.\(spec.name).graph.knn",
                    reason: "a k-nearest-neighbour graph compares the items' features, and the features of '\(spec.name)' give no column: list 'numeric', 'categorical' or 'multilabel' columns, or use 'cooccurrence'")
            }
            let labels = try spec.labels.map { try readLabels($0, items: tables[m]) }
            var modality = try Modality(name: spec.name, count: count, ids: tables[m].ids,
                                        features: features ?? nil, graph: graph, hypergraph: hypergraph, labels: labels)
            if let features = spec.features {
                modality.categories = try itemCategories(features, rows: featureRows[m] ?? [], count: count)
            }
            try dataset.addModality(modality)
        }
        var relationDiagnostics: [String: RelationDiagnostics] = [:]
        var inTrain = tables.map { [Bool](repeating: false, count: $0.ids.count) }
        var inTest = inTrain
        for (r, relation) in manifest.relations.enumerated() {
            let members = relation.members.compactMap { modalityIndex[$0] }
            let order = members.count
            let train = try HyperedgeSet(order: order, members: trainSets[r].members, values: trainSets[r].values)
            guard train.count > 0 else {
                throw HyperLearnError.invalidInput(file: relation.train.file.path, line: nil, field: relation.train.field,
                                                   reason: "the training set of relation '\(relation.name)' is empty")
            }
            let test = try testSets[r].map { try HyperedgeSet(order: order, members: $0.members, values: $0.values) }
            for (k, item) in train.members.enumerated() { inTrain[members[k % order]][Int(item)] = true }
            for (k, item) in (test?.members ?? []).enumerated() { inTest[members[k % order]][Int(item)] = true }
            try dataset.addRelation(Relation(name: relation.name, members: members, task: relation.task,
                                             train: train, test: test, weight: relation.weight))
            relationDiagnostics[relation.name] = RelationDiagnostics(train: train.count, test: test?.count ?? 0)
        }
        var diagnostics: [String: ModalityDiagnostics] = [:]
        for (m, spec) in manifest.modalities.enumerated() {
            let onlyInTest = zip(inTest[m], inTrain[m]).filter { $0 && !$1 }.count
            diagnostics[spec.name] = ModalityDiagnostics(count: tables[m].ids.count, fromFeatures: fromFeatures[m],
                                                         onlyInStructure: tables[m].ids.count - countsBeforeStructure[m],
                                                         onlyInTest: onlyInTest)
        }
        return LoadedDataset(dataset: dataset, diagnostics: diagnostics, relationDiagnostics: relationDiagnostics,
                             files: manifest.resolvedFiles(dataRoot: dataRoot))
    }

    // MARK: Reading

    /// The rows `reference` names: an SQLite query's result, or a delimited text file read with `format`.
    func table(_ reference: Manifest.FileReference, _ format: Manifest.TextFormat) throws -> any TableRows {
        if let query = reference.query {
            return SQLiteQuery(url: manifest.resolve(reference, dataRoot: dataRoot), fileName: reference.path, query: query)
        }
        return try reader(reference, format)
    }

    func reader(_ reference: Manifest.FileReference, _ format: Manifest.TextFormat) throws -> DelimitedTextReader {
        let delimiter = format.delimiter ?? (reference.path.lowercased().hasSuffix(".csv") ? "," : "\t")
        return try DelimitedTextReader(contentsOf: manifest.resolve(reference, dataRoot: dataRoot), fileName: reference.path,
                                       delimiter: delimiter, hasHeader: format.header, encoding: format.encoding)
    }

    /// Edges from an integer `edges × 2` array of item indices; each index must name an item the
    /// modality already has (its IDs are indices: from `nums_type`, `count` or the relations' arrays).
    private func readEdgeArray(_ reference: Manifest.FileReference, array name: String?, field: String, items: IDTable,
                               modality: String) throws -> [(Int32, Int32, Float)] {
        let url = manifest.resolve(reference, dataRoot: dataRoot)
        let array = try name.map { try NPZArchive.readArray(named: $0, from: url, fileName: reference.path) }
            ?? NPYArray.read(contentsOf: url, fileName: reference.path)
        func failure(_ reason: String) -> HyperLearnError {
            .invalidInput(file: reference.path, line: nil, field: name ?? field, reason: reason)
        }
        guard array.shape.count == 2, array.shape[1] == 2 else {
            throw failure("expected an integer array of edges × 2 (item indices), found shape \(array.shape)")
        }
        let values: [Int64]
        do { values = try array.int64Values() } catch { throw failure("expected integer item indices (\(error))") }
        var edges = [(Int32, Int32, Float)]()
        edges.reserveCapacity(array.shape[0])
        for row in 0..<array.shape[0] {
            var ends = [Int32]()
            for column in 0..<2 {
                let index = values[row * 2 + column]
                guard let item = items.index[String(index)] else {
                    throw failure("row \(row), column \(column): index \(index) is not an item of modality '\(modality)' (its \(items.ids.count) items are named by the relations' indices)")
                }
                ends.append(item)
            }
            edges.append((ends[0], ends[1], 1))
        }
        return edges
    }

    private func readArraySource(_ source: Manifest.SourceSpec) throws -> ArraySource {
        let url = manifest.resolve(source.file, dataRoot: dataRoot)
        guard let arrayName = source.array else {
            return ArraySource(array: try NPYArray.read(contentsOf: url, fileName: source.file.path), numsType: nil)
        }
        let array = try NPZArchive.readArray(named: arrayName, from: url, fileName: source.file.path)
        let archive = try NPZArchive(url: url, fileName: source.file.path)
        let numsType = archive.contains("nums_type") ? try archive.array(named: "nums_type").int64Values() : nil
        return ArraySource(array: array, numsType: numsType)
    }

    private func matrixShape(_ array: NPYArray, _ source: Manifest.SourceSpec) throws -> (rows: Int, columns: Int) {
        guard array.shape.count == 2 else {
            throw arrayError(source, "expected a 2-D array (hyperedges × members), found shape \(array.shape)")
        }
        return (array.shape[0], array.shape[1])
    }

    private func arrayError(_ source: Manifest.SourceSpec, _ reason: String, field: String? = nil) -> HyperLearnError {
        .invalidInput(file: source.file.path, line: nil, field: field ?? source.array ?? "array", reason: reason)
    }

    /// A number within ``InputLimits/maximumMagnitude`` (and above zero when `positive`), so that the
    /// loss and the graph normalisation stay finite.
    func bounded(_ row: DelimitedRow, _ column: Int, _ name: String, positive: Bool = false) throws -> Double {
        let value = try row.double(at: column, name: name)
        guard abs(value) <= InputLimits.maximumMagnitude else {
            throw row.fieldError(column, name: name, reason: "\(value) is above the limit of \(InputLimits.maximumMagnitude) in magnitude")
        }
        guard !positive || value > 0 else { throw row.fieldError(column, name: name, reason: "\(value) is not positive") }
        return value
    }

    private func readRelationSource(_ source: Manifest.SourceSpec, _ relation: Manifest.RelationSpec,
                                    _ modalityIndex: [String: Int], _ tables: inout [IDTable],
                                    _ arraySources: [String: ArraySource]) throws -> LoadedSet {
        let members = relation.members.compactMap { modalityIndex[$0] }
        let columns = source.columns ?? Array(0..<members.count)
        var set = LoadedSet()
        if relation.task == .regression { set.values = [] }
        if let loaded = arraySources[source.field] {
            let (rows, width) = try matrixShape(loaded.array, source)
            let values = try loaded.array.doubleValues()
            if let valueColumn = source.value, valueColumn >= width {
                throw arrayError(source, "value column \(valueColumn) is needed but the array has \(width) column(s)")
            }
            set.members.reserveCapacity(rows * members.count)
            for r in 0..<rows {
                for column in columns { set.members.append(Int32(values[r * width + column])) }
                if relation.task == .regression, let valueColumn = source.value {
                    let v = values[r * width + valueColumn]
                    guard v.isFinite, abs(v) <= InputLimits.maximumMagnitude else {
                        throw arrayError(source, "row \(r), column \(valueColumn): value \(v) is not finite or above \(InputLimits.maximumMagnitude) in magnitude")
                    }
                    set.values?.append(Float(v))
                }
            }
            return set
        }
        let names = relation.members
        let text = try table(source.file, source.format), header = try text.header()
        let textColumns = try source.format.columns("columns", columns, header: header, place: text.columnsPlace)
        let valueColumn = try source.value.map { try source.format.column("value", $0, header: header, place: text.columnsPlace) }
        try text.forEachRow { row in
            for (j, column) in textColumns.enumerated() {
                let id = try row.identifier(at: column, name: names[j])
                do {
                    set.members.append(try tables[members[j]].register(id))
                } catch is UnknownItem {
                    throw row.fieldError(column, name: names[j], reason: "\(HyperLearnError.quoted(id)) is not an item of the trained model's modality '\(tables[members[j]].modality)'")
                }
            }
            if relation.task == .regression, let valueColumn {
                set.values?.append(Float(try bounded(row, valueColumn, "value")))
            }
        }
        return set
    }

    // MARK: Building

    /// One label per item of `items` from `spec`'s file (`""` for an item it does not name). Rows for
    /// IDs the modality does not have are skipped: a title list may name items no relation uses.
    private func readLabels(_ spec: Manifest.LabelSpec, items: IDTable) throws -> [String] {
        var labels = [String](repeating: "", count: items.ids.count)
        var seen: [String: Int] = [:]
        let text = try table(spec.file, spec.format), header = try text.header()
        let idColumn = try spec.format.column("id", spec.idColumn, header: header, place: text.columnsPlace)
        let labelColumn = try spec.format.column("column", spec.column, header: header, place: text.columnsPlace)
        try text.forEachRow { row in
            let id = try row.identifier(at: idColumn, name: "id")
            if let first = seen[id] {
                throw row.fieldError(idColumn, name: "id", reason: "duplicate id \(HyperLearnError.quoted(id)) (first on \(row.placeName) \(first))")
            }
            seen[id] = row.line
            let label = try row.string(at: labelColumn, name: "label")
            guard label.utf8.count <= InputLimits.maximumLabelBytes else {
                throw row.fieldError(labelColumn, name: "label", reason: "\(label.utf8.count) bytes; a label holds at most \(InputLimits.maximumLabelBytes)")
            }
            if let i = items.index[id] { labels[Int(i)] = label }
        }
        return labels
    }

    /// The categorical and multi-label feature columns as text per item (``ItemCategory``), named by
    /// the manifest's column name, else the file's header, else `column N`.
    private func itemCategories(_ spec: Manifest.FeatureSpec, rows: [FeatureRow], count: Int) throws -> [ItemCategory] {
        guard !spec.categorical.isEmpty || !spec.multilabel.isEmpty else { return [] }
        let text = try table(spec.file, spec.format), header = try text.header()
        func name(_ slot: String, _ column: Int) -> String {
            if let named = spec.format.columnNames[slot] { return named }
            if let header, header.indices.contains(column) { return header[column].trimmingCharacters(in: .whitespaces) }
            return "column \(column)"
        }
        var categories = spec.categorical.enumerated().map { c, column in
            ItemCategory(name: name("categorical.\(c)", column), values: [String](repeating: "", count: count))
        }
        // Multi-label values arrive tagged "\u{1F}COLUMN\u{1F}LABEL" (FeatureEncoding's convention).
        let multilabelColumns = try spec.format.columns("multilabel", spec.multilabel, header: header, place: text.columnsPlace)
        let multilabelPosition = Dictionary(multilabelColumns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        categories += spec.multilabel.enumerated().map { c, column in
            ItemCategory(name: name("multilabel.\(c)", column), values: [String](repeating: "", count: count), separator: spec.labelSeparator)
        }
        for row in rows {
            let i = Int(row.item)
            for (c, value) in row.categorical.enumerated() {
                if c < spec.categorical.count {
                    categories[c].values[i] = value
                    continue
                }
                let parts = value.dropFirst().split(separator: "\u{1F}", maxSplits: 1, omittingEmptySubsequences: false)
                guard value.first == "\u{1F}", parts.count == 2, let column = Int(parts[0]), let position = multilabelPosition[column] else { continue }
                let k = spec.categorical.count + position
                categories[k].values[i] += (categories[k].values[i].isEmpty ? "" : spec.labelSeparator) + parts[1]
            }
        }
        return categories
    }

    /// `max(A, Aᵀ)` over the listed edges (repeats keep the largest weight).
    private func symmetricAdjacency(_ edges: [(Int32, Int32, Float)], count: Int) throws -> SparseMatrix {
        var weights: [Int64: Float] = [:]
        for (a, b, w) in edges {
            let (low, high) = a <= b ? (Int64(a), Int64(b)) : (Int64(b), Int64(a))
            let key = low << 32 | high
            weights[key] = max(weights[key] ?? -.infinity, w)
        }
        var entries: [(row: Int, column: Int, value: Float)] = []
        entries.reserveCapacity(weights.count * 2)
        for (key, w) in weights {
            let low = Int(key >> 32), high = Int(key & 0xFFFF_FFFF)
            entries.append((low, high, w))
            if low != high { entries.append((high, low, w)) }
        }
        return try SparseMatrix(rows: count, columns: count, entries: entries)
    }
}
