import Foundation
import Yams

/// A dataset manifest: which files hold a dataset's modalities and relations, and how to read them.
///
/// Written in YAML or JSON (same schema; see `docs/manifest.md`):
///
/// ```yaml
/// name: gps
/// modalities:
///   user: {graph: {cooccurrence: 10}}
///   location: {graph: {cooccurrence: 10}}
/// relations:
///   visit:
///     members: [user, location]
///     task: link
///     train: {file: train_data.npz, array: train_data}
/// ```
///
/// ``load(from:)`` parses and validates the schema (errors name the manifest's line);
/// ``loadDataset(dataRoot:)`` reads the data files into a ``Dataset``.
public struct Manifest: Sendable, Equatable {
    /// A path as written in the manifest, with the manifest line that names it.
    public struct FileReference: Sendable, Equatable {
        /// The path as written (relative paths resolve against the data root).
        public var path: String
        /// The manifest line of the `file` key.
        public var line: Int?
        /// The key path, e.g. `relations.rating.train.file`.
        public var field: String
        /// The SQL query when `path` is an SQLite database (`sqlite: {file, query}`); `nil` for a file.
        public var query: String? = nil
        /// Whether the file is a NumPy `.npy` or `.npz`.
        public var isArrayFile: Bool {
            guard query == nil else { return false }
            let lower = path.lowercased()
            return lower.hasSuffix(".npz") || lower.hasSuffix(".npy")
        }
    }

    /// How to read a delimited text file.
    public struct TextFormat: Sendable, Equatable {
        /// The separator; `nil` picks `,` for `.csv` files and a tab otherwise.
        public var delimiter: String?
        public var encoding: TextEncoding = .utf8
        public var header: Bool = false
        /// Columns given by header name, by slot (`id`, `numeric.0`, `columns.1`, `value`); see ColumnNames.swift.
        public var columnNames: [String: String] = [:]
    }

    /// A modality's side-feature table.
    public struct FeatureSpec: Sendable, Equatable {
        public var file: FileReference
        public var format: TextFormat
        /// 0-based column of the item ID.
        public var idColumn: Int
        /// Columns standardized to z-scores.
        public var numeric: [Int]
        /// Columns one-hot encoded.
        public var categorical: [Int]
        /// Columns holding several labels (`Comedy|Drama`), multi-hot encoded.
        public var multilabel: [Int] = []
        /// Separator between the labels of a `multilabel` column.
        public var labelSeparator: String = "|"
    }

    /// Where a modality's graph comes from.
    public enum GraphSpec: Sendable, Equatable {
        /// An edge list: `columns` name the two endpoint ID columns, `weight` an optional weight column.
        case file(FileReference, format: TextFormat, columns: [Int], weight: Int?)
        /// ``GraphSource/nearestNeighbors(k:)``.
        case nearestNeighbors(k: Int)
        /// ``GraphSource/cooccurrence(k:hubLimit:)``; `hub` overrides the default hub limit.
        case cooccurrence(k: Int, hub: Int?)
        /// An integer `edges × 2` array of item indices in a `.npy` file or an `.npz` member (`array`),
        /// like the `graph_M` arrays `hyperlearn generate` writes.
        case edgeArray(FileReference, array: String?, field: String)
    }

    /// Where a modality's hypergraph comes from.
    public enum HypergraphSpec: Sendable, Equatable {
        /// ``HypergraphSource/induced``.
        case induced
        /// One group of IDs per line (``HypergraphSource/groups(_:)``).
        case groups(FileReference, format: TextFormat)
    }

    /// One modality entry.
    /// Where a modality's item labels (titles, names) come from: one column of a text file.
    public struct LabelSpec: Sendable, Equatable {
        public var file: FileReference
        public var format: TextFormat
        /// 0-based columns of the item ID and of its label.
        public var idColumn: Int
        public var column: Int
    }

    public struct ModalitySpec: Sendable, Equatable {
        public var name: String
        /// The manifest line of its name.
        public var line: Int?
        public var features: FeatureSpec?
        public var labels: LabelSpec?
        public var graph: GraphSpec?
        public var hypergraph: HypergraphSpec?
        /// An explicit item count (when IDs are indices `0 ..< count`).
        public var count: Int?
    }

    /// A relation's train or test file.
    public struct SourceSpec: Sendable, Equatable {
        public var file: FileReference
        public var format: TextFormat
        /// One column per member (default `0, 1, …`).
        public var columns: [Int]?
        /// The value column (regression).
        public var value: Int?
        /// The `.npz` member holding the hyperedges.
        public var array: String?
        /// The manifest line of the `train`/`test` key.
        public var line: Int?
        /// The key path, e.g. `relations.rating.train`.
        public var field: String
    }

    /// A test split drawn from a relation's training hyperedges: `test: {fraction: 0.1, seed: 42}`, or
    /// with `by: user` a fraction of each user's hyperedges (every user with two or more keeps at least one
    /// for training).
    public struct TestSplitSpec: Sendable, Equatable {
        public var fraction: Float
        public var seed: UInt64
        /// The member whose items each give up `fraction` of their hyperedges (its position in `members`).
        public var byMember: Int?
        public var line: Int?
        public var field: String
    }

    /// One relation entry.
    public struct RelationSpec: Sendable, Equatable {
        public var name: String
        public var line: Int?
        /// Member modality names, in hyperedge order (a modality may repeat).
        public var members: [String]
        public var task: RelationTask
        public var train: SourceSpec
        public var test: SourceSpec?
        /// A test split drawn from the training file instead of a test file.
        public var testSplit: TestSplitSpec?
        /// Weight of the relation's loss.
        public var weight: Float
    }

    public var name: String
    public var description: String?
    /// Modalities in manifest order.
    public var modalities: [ModalitySpec]
    /// Relations in manifest order.
    public var relations: [RelationSpec]
    /// The manifest file.
    public var url: URL
    /// The manifest's name in errors (its path).
    public var fileName: String { url.path }

    static let topKeys = ["name", "description", "modalities", "relations"]
    static let modalityKeys = ["features", "graph", "hypergraph", "count", "labels"]
    static let labelKeys = ["file", "sqlite", "delimiter", "encoding", "header", "id", "column"]
    static let featureKeys = ["file", "sqlite", "delimiter", "encoding", "header", "id", "numeric", "categorical", "multilabel", "separator"]
    static let graphKeys = ["file", "delimiter", "encoding", "header", "columns", "weight", "array", "knn", "cooccurrence", "hub"]
    static let hypergraphKeys = ["file", "delimiter", "encoding", "header"]
    static let relationKeys = ["members", "task", "train", "test", "weight"]
    static let sourceKeys = ["file", "sqlite", "delimiter", "encoding", "header", "columns", "value", "array"]
    static let sqliteKeys = ["file", "query"]

    /// Reads and validates a manifest (YAML, or JSON when the file ends in `.json`).
    /// - Parameter url: The manifest file.
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` naming the manifest line for a
    ///   missing file, a syntax error, an unknown key, a wrong type, a duplicate name, an unknown member,
    ///   a relation with fewer than two members or an unknown task.
    public static func load(from url: URL) throws -> Manifest {
        let data = try InputFile.read(url, file: url.path, field: "manifest")
        let bytes = [UInt8](data)
        if let bad = UTF8Validation.firstInvalidByte(bytes) {
            throw HyperLearnError.invalidInput(file: url.path, line: LineCounting.line(ofOffset: bad, in: bytes), field: "encoding",
                                               reason: "byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at byte offset \(bad) is not UTF-8; a manifest is UTF-8")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if url.pathExtension.lowercased() == "json" {
            // Raw tabs are only whitespace in valid JSON, but YAML refuses them as indentation.
            text = text.replacingOccurrences(of: "\t", with: " ")
        }
        return try parse(text, url: url)
    }

    /// Parses manifest text (see ``load(from:)``); `url` locates relative paths and names errors.
    public static func parse(_ text: String, url: URL) throws -> Manifest {
        // A byte-order mark (Windows editors write one) is not YAML: the parser would refuse it.
        let text = InputFile.withoutByteOrderMark(text)
        let yaml = ManifestYAML(file: url.path)
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw HyperLearnError.invalidInput(file: url.path, line: nil, field: "manifest", reason: "the manifest is empty")
            }
            root = composed
        } catch let error as YamlError {
            throw syntaxError(error, text: text, file: url.path)
        }
        let top = try yaml.mapping(root, "", allowed: topKeys)
        func required(_ key: String) throws -> Node {
            guard let node = top.first(where: { $0.key == key })?.value else {
                throw yaml.error(root, key, "missing required key '\(key)'")
            }
            return node
        }
        let nameNode = try required("name")
        let name = try yaml.name(try yaml.string(nameNode, "name"), node: nameNode, line: nil, "name")
        let description = try top.first { $0.key == "description" }.map { try yaml.scalar($0.value, "description", expected: "a string") }

        var modalities: [ModalitySpec] = []
        for entry in try yaml.mapping(try required("modalities"), "modalities") {
            _ = try yaml.name(entry.key, node: entry.value, line: entry.line, "modalities.\(entry.key)")
            modalities.append(try parseModality(entry.key, line: entry.line, node: entry.value, yaml: yaml))
        }
        guard !modalities.isEmpty else { throw yaml.error(try required("modalities"), "modalities", "no modality is defined") }

        // Built once: each relation used to map the modalities' names again and search the list for
        // each member, quadratic in the number of modalities.
        let modalityNames = ModalityNames(modalities.map(\.name))
        var relations: [RelationSpec] = []
        for entry in try yaml.mapping(try required("relations"), "relations") {
            _ = try yaml.name(entry.key, node: entry.value, line: entry.line, "relations.\(entry.key)")
            relations.append(try parseRelation(entry.key, line: entry.line, node: entry.value, yaml: yaml,
                                               modalityNames: modalityNames))
        }
        guard !relations.isEmpty else { throw yaml.error(try required("relations"), "relations", "no relation is defined") }
        return Manifest(name: name, description: description, modalities: modalities, relations: relations, url: url)
    }

    /// Where `reference` lives: absolute paths as written, relative ones under `dataRoot`
    /// (default: the manifest's folder).
    public func resolve(_ reference: FileReference, dataRoot: URL? = nil) -> URL {
        if reference.path.hasPrefix("/") { return URL(fileURLWithPath: reference.path) }
        let base = dataRoot ?? url.deletingLastPathComponent()
        return base.appendingPathComponent(reference.path)
    }

    /// Every data file the manifest names, in reading order (features, train, test, graphs), without repeats.
    public func fileReferences() -> [FileReference] {
        var result: [FileReference] = []
        var seen = Set<String>()
        func add(_ reference: FileReference) {
            if seen.insert(reference.path).inserted { result.append(reference) }
        }
        for modality in modalities { if let f = modality.features { add(f.file) } }
        for modality in modalities { if let l = modality.labels { add(l.file) } }
        for relation in relations { add(relation.train.file) }
        for relation in relations { if let test = relation.test { add(test.file) } }
        for modality in modalities {
            if case let .file(reference, _, _, _) = modality.graph { add(reference) }
            if case let .edgeArray(reference, _, _) = modality.graph { add(reference) }
            if case let .groups(reference, _) = modality.hypergraph { add(reference) }
        }
        return result
    }

    /// The resolved URLs of ``fileReferences()``.
    public func resolvedFiles(dataRoot: URL? = nil) -> [URL] {
        fileReferences().map { resolve($0, dataRoot: dataRoot) }
    }

    // MARK: Parsing sections

    private static func syntaxError(_ error: YamlError, text: String, file: String) -> HyperLearnError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return .invalidInput(file: file, line: mark.line, field: "yaml", reason: "syntax error: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? "?"
            let line = secondOccurrence(of: key, after: context.mark, in: text) ?? context.mark.line
            return .invalidInput(file: file, line: line, field: key,
                                 reason: "duplicate key \(HyperLearnError.quoted(key)) (names must be unique)")
        default:
            return .invalidInput(file: file, line: nil, field: "yaml", reason: "syntax error: \(error)")
        }
    }

    // Yams reports a duplicate at its first occurrence; the line to fix is usually the repeat.
    private static func secondOccurrence(of key: String, after mark: Mark, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let indent = mark.column - 1
        for number in (mark.line + 1)...max(mark.line + 1, lines.count) where number <= lines.count {
            let line = lines[number - 1]
            let leading = line.prefix { $0 == " " }.count
            if leading < indent && !line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
            guard leading == indent else { continue }
            let rest = line.dropFirst(leading)
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(candidate) {
                if rest.dropFirst(candidate.count).drop(while: { $0 == " " }).first == ":" { return number }
            }
        }
        return nil
    }

    /// A mapping that names a text table (`features`, `labels`): its required file, its reader options,
    /// and its columns by index or header name.
    struct TableEntry {
        let pairs: [(key: String, line: Int?, value: Node)]
        let file: FileReference
        var format: TextFormat
        let path: String
        let yaml: ManifestYAML

        init(_ node: Node, _ path: String, allowed: [String], yaml: ManifestYAML) throws {
            pairs = try yaml.mapping(node, path, allowed: allowed)
            (file, format) = try Manifest.table(pairs, node, path, yaml: yaml)
            self.path = path
            self.yaml = yaml
        }

        /// The column under `key`, or `fallback` when the key is absent.
        mutating func column(_ key: String, default fallback: Int) throws -> Int {
            guard let entry = pairs.first(where: { $0.key == key }) else { return fallback }
            return try yaml.column(entry.value, "\(path).\(key)", slot: key, format: &format)
        }

        /// The columns listed under `key` (none when absent).
        mutating func columns(_ key: String) throws -> [Int] {
            guard let entry = pairs.first(where: { $0.key == key }) else { return [] }
            return try yaml.columnList(entry.value, "\(path).\(key)", slot: key, format: &format)
        }
    }

    /// The table a mapping names, `file: PATH` or `sqlite: {file: DB, query: SQL}`, with its reader
    /// options. A query's result always has column names, so columns may be named without `header`.
    static func table(_ pairs: [(key: String, line: Int?, value: Node)], _ node: Node, _ path: String,
                      yaml: ManifestYAML) throws -> (FileReference, TextFormat) {
        let given = pairs.filter { $0.key == "file" || $0.key == "sqlite" }
        guard given.count == 1, let entry = given.first else {
            throw yaml.error(node, path, given.isEmpty ? "missing required key 'file' (or 'sqlite: {file, query}')"
                                                       : "give 'file' or 'sqlite', not both")
        }
        var format = try textFormat(pairs, path, yaml: yaml)
        guard entry.key == "sqlite" else { return (try fileReference(entry.value, "\(path).file", yaml: yaml), format) }
        if let option = pairs.first(where: { ["delimiter", "encoding", "header"].contains($0.key) }) {
            throw yaml.error(option.value, "\(path).\(option.key)", "'\(option.key)' applies to text files; an SQLite query's result has typed values and column names")
        }
        let sqlitePath = "\(path).sqlite"
        let sqlite = try yaml.mapping(entry.value, sqlitePath, allowed: sqliteKeys)
        guard let fileEntry = sqlite.first(where: { $0.key == "file" }), let queryEntry = sqlite.first(where: { $0.key == "query" }) else {
            throw yaml.error(entry.value, sqlitePath, "give both 'file' (the database) and 'query' (one SELECT statement)")
        }
        var reference = try fileReference(fileEntry.value, "\(sqlitePath).file", yaml: yaml)
        let query = try yaml.string(queryEntry.value, "\(sqlitePath).query")
        guard !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, query.utf8.count <= SQLiteQuery.maximumQueryBytes else {
            throw yaml.error(queryEntry.value, "\(sqlitePath).query", "a query must be 1 to \(SQLiteQuery.maximumQueryBytes) bytes")
        }
        reference.query = query
        format.header = true
        return (reference, format)
    }

    private static func fileReference(_ node: Node, _ path: String, yaml: ManifestYAML) throws -> FileReference {
        let text = try yaml.string(node, path)
        return FileReference(path: text, line: node.mark?.line, field: path)
    }

    private static func textFormat(_ pairs: [(key: String, line: Int?, value: Node)], _ path: String,
                                   yaml: ManifestYAML) throws -> TextFormat {
        var format = TextFormat()
        for (key, _, value) in pairs {
            switch key {
            case "delimiter":
                let text = try yaml.scalar(value, "\(path).delimiter", expected: "a string")
                guard !text.isEmpty, !text.contains("\""), !text.contains("\n"), !text.contains("\r") else {
                    throw yaml.error(value, "\(path).delimiter", "delimiter must be non-empty and hold no quote or line end")
                }
                format.delimiter = text
            case "encoding": format.encoding = try yaml.encoding(value, "\(path).encoding")
            case "header": format.header = try yaml.bool(value, "\(path).header")
            default: break
            }
        }
        return format
    }

    /// The modalities' names, as a set for lookups and as a short list for messages.
    struct ModalityNames {
        let names: [String]
        let set: Set<String>
        init(_ names: [String]) {
            self.names = names
            set = Set(names)
        }
        /// At most 20 names, then how many there are.
        var listed: String {
            names.count <= 20 ? names.joined(separator: ", ")
                : names.prefix(20).joined(separator: ", ") + ", … (\(names.count) in all)"
        }
    }

    private static func parseModality(_ name: String, line: Int?, node: Node, yaml: ManifestYAML) throws -> ModalitySpec {
        let path = "modalities.\(name)"
        var spec = ModalitySpec(name: name, line: line)
        for (key, _, value) in try yaml.mapping(node, path, allowed: modalityKeys) {
            let keyPath = "\(path).\(key)"
            switch key {
            case "count": spec.count = try yaml.int(value, keyPath, minimum: 1, maximum: InputLimits.maximumItems)
            case "features":
                var table = try TableEntry(value, keyPath, allowed: featureKeys, yaml: yaml)
                let id = try table.column("id", default: 0)
                let numeric = try table.columns("numeric"), categorical = try table.columns("categorical")
                let multilabel = try table.columns("multilabel")
                let separator = try table.pairs.first { $0.key == "separator" }.map { try yaml.string($0.value, "\(keyPath).separator") } ?? "|"
                spec.features = FeatureSpec(file: table.file, format: table.format, idColumn: id, numeric: numeric,
                                            categorical: categorical, multilabel: multilabel, labelSeparator: separator)
            case "labels":
                var table = try TableEntry(value, keyPath, allowed: labelKeys, yaml: yaml)
                let id = try table.column("id", default: 0), column = try table.column("column", default: 1)
                spec.labels = LabelSpec(file: table.file, format: table.format, idColumn: id, column: column)
            case "graph":
                let pairs = try yaml.mapping(value, keyPath, allowed: graphKeys)
                let kinds = pairs.filter { ["file", "knn", "cooccurrence"].contains($0.key) }
                guard kinds.count == 1, let kind = kinds.first else {
                    throw yaml.error(value, keyPath, "give exactly one of 'file', 'knn' or 'cooccurrence'")
                }
                let fileIsArray = kind.key == "file"
                    && [".npy", ".npz"].contains { (try? yaml.string(kind.value, "\(keyPath).file"))?.lowercased().hasSuffix($0) ?? false }
                let allowedWith: [String: [String]] = [
                    "file": fileIsArray ? ["file", "array"] : ["file", "delimiter", "encoding", "header", "columns", "weight"],
                    "knn": ["knn"], "cooccurrence": ["cooccurrence", "hub"],
                ]
                for pair in pairs where !(allowedWith[kind.key] ?? []).contains(pair.key) {
                    throw HyperLearnError.invalidInput(file: yaml.file, line: pair.line, field: "\(keyPath).\(pair.key)",
                                                       reason: "'\(pair.key)' does not go with '\(kind.key)'; allowed: \((allowedWith[kind.key] ?? []).joined(separator: ", "))")
                }
                switch kind.key {
                case "knn": spec.graph = .nearestNeighbors(k: try yaml.int(kind.value, "\(keyPath).knn", minimum: 1, maximum: InputLimits.maximumItems))
                case "cooccurrence":
                    let hub = try pairs.first { $0.key == "hub" }.map { try yaml.int($0.value, "\(keyPath).hub", minimum: 1, maximum: InputLimits.maximumItems) }
                    spec.graph = .cooccurrence(k: try yaml.int(kind.value, "\(keyPath).cooccurrence", minimum: 1, maximum: InputLimits.maximumItems), hub: hub)
                case "file" where fileIsArray:
                    let file = try fileReference(kind.value, "\(keyPath).file", yaml: yaml)
                    let array = try pairs.first { $0.key == "array" }.map { try yaml.string($0.value, "\(keyPath).array") }
                    if file.path.lowercased().hasSuffix(".npz") && array == nil {
                        throw yaml.error(value, "\(keyPath).array", "an .npz file needs 'array' (the member holding the edges)")
                    }
                    if file.path.lowercased().hasSuffix(".npy") && array != nil {
                        throw yaml.error(value, "\(keyPath).array", "'array' names a member of an .npz file; \(HyperLearnError.quoted(file.path)) is not one")
                    }
                    spec.graph = .edgeArray(file, array: array, field: "\(keyPath).file")
                default:
                    var format = try textFormat(pairs, keyPath, yaml: yaml)
                    let columnsNode = pairs.first { $0.key == "columns" }
                    let columns = try columnsNode.map { try yaml.columnList($0.value, "\(keyPath).columns", slot: "columns", format: &format) } ?? [0, 1]
                    guard columns.count == 2 else {
                        throw yaml.error(columnsNode?.value, "\(keyPath).columns", "an edge list needs exactly two columns, found \(columns.count)")
                    }
                    let weight = try pairs.first { $0.key == "weight" }.map { try yaml.column($0.value, "\(keyPath).weight", slot: "weight", format: &format) }
                    spec.graph = .file(try fileReference(kind.value, "\(keyPath).file", yaml: yaml),
                                       format: format, columns: columns, weight: weight)
                }
            case "hypergraph":
                if case let .scalar(s) = value {
                    guard s.string == "induced" else {
                        throw yaml.error(value, keyPath, "expected 'induced' or a mapping with 'file', found \(HyperLearnError.quoted(s.string))")
                    }
                    spec.hypergraph = .induced
                } else {
                    let pairs = try yaml.mapping(value, keyPath, allowed: hypergraphKeys)
                    guard let file = pairs.first(where: { $0.key == "file" }) else {
                        throw yaml.error(value, keyPath, "missing required key 'file'")
                    }
                    var format = try textFormat(pairs, keyPath, yaml: yaml)
                    if format.delimiter == nil { format.delimiter = " " }
                    spec.hypergraph = .groups(try fileReference(file.value, "\(keyPath).file", yaml: yaml), format: format)
                }
            default: break
            }
        }
        if case .nearestNeighbors = spec.graph, spec.features == nil {
            let graphNode = try yaml.mapping(node, path).first { $0.key == "graph" }
            throw HyperLearnError.invalidInput(
                file: yaml.file, line: graphNode?.line ?? line, field: "\(path).graph.knn",
                reason: "a k-nearest-neighbour graph compares the items' features, and modality '\(name)' has none: add 'features' or use 'cooccurrence'")
        }
        return spec
    }

    private static func parseRelation(_ name: String, line: Int?, node: Node, yaml: ManifestYAML,
                                      modalityNames: ModalityNames) throws -> RelationSpec {
        let path = "relations.\(name)"
        let pairs = try yaml.mapping(node, path, allowed: relationKeys)
        func required(_ key: String) throws -> Node {
            guard let value = pairs.first(where: { $0.key == key })?.value else {
                throw yaml.error(node, path, "missing required key '\(key)'")
            }
            return value
        }
        let membersNode = try required("members")
        let memberNodes = try yaml.list(membersNode, "\(path).members")
        var members: [String] = []
        for (i, memberNode) in memberNodes.enumerated() {
            let member = try yaml.string(memberNode, "\(path).members[\(i)]")
            guard modalityNames.set.contains(member) else {
                throw yaml.error(memberNode, "\(path).members", "unknown modality \(HyperLearnError.quoted(member)); defined: \(modalityNames.listed)")
            }
            members.append(member)
        }
        guard members.count >= 2 else {
            throw yaml.error(membersNode, "\(path).members", "a relation needs at least two members, found \(members.count)")
        }
        guard members.count <= InputLimits.maximumOrder else {
            throw yaml.error(membersNode, "\(path).members", "\(members.count) members is above the limit of \(InputLimits.maximumOrder) per hyperedge")
        }
        let taskNode = try required("task")
        let taskText = try yaml.string(taskNode, "\(path).task")
        guard let task = RelationTask(rawValue: taskText) else {
            throw yaml.error(taskNode, "\(path).task", "unknown task \(HyperLearnError.quoted(taskText)); use regression or link")
        }
        let weightNode = pairs.first { $0.key == "weight" }?.value
        let weight = try weightNode.map { try yaml.float($0, "\(path).weight") } ?? 1
        guard weight > 0, weight <= InputLimits.maximumRelationWeight else {
            throw yaml.error(weightNode, "\(path).weight", "\(weight) is outside (0, \(InputLimits.maximumRelationWeight)]; a relation's loss weight is positive")
        }
        let trainEntry = pairs.first { $0.key == "train" }
        guard let trainEntry else { throw yaml.error(node, path, "missing required key 'train'") }
        let train = try parseSource(trainEntry.value, line: trainEntry.line, "\(path).train", yaml: yaml,
                                    memberCount: members.count, task: task)
        var test: SourceSpec?, testSplit: TestSplitSpec?
        if let entry = pairs.first(where: { $0.key == "test" }) {
            if case let .mapping(mapping) = entry.value, mapping.keys.contains(where: { $0.string == "fraction" }) {
                testSplit = try parseTestSplit(entry.value, line: entry.line, "\(path).test", yaml: yaml, members: members)
            } else {
                test = try parseSource(entry.value, line: entry.line, "\(path).test", yaml: yaml, memberCount: members.count, task: task)
            }
        }
        return RelationSpec(name: name, line: line, members: members, task: task, train: train, test: test,
                            testSplit: testSplit, weight: weight)
    }

    private static func parseTestSplit(_ node: Node, line: Int?, _ path: String, yaml: ManifestYAML,
                                       members: [String]) throws -> TestSplitSpec {
        let pairs = try yaml.mapping(node, path, allowed: ["fraction", "seed", "by"])
        let fractionNode = pairs.first { $0.key == "fraction" }!.value
        let fraction = try yaml.float(fractionNode, "\(path).fraction")
        guard fraction > 0, fraction < 1 else {
            throw yaml.error(fractionNode, "\(path).fraction", "\(fraction) is outside (0, 1); the share of the training hyperedges held out for testing")
        }
        let seed = try pairs.first { $0.key == "seed" }.map { UInt64(try yaml.int($0.value, "\(path).seed")) } ?? 0
        var byMember: Int?
        if let byNode = pairs.first(where: { $0.key == "by" })?.value {
            let name = try yaml.string(byNode, "\(path).by")
            guard let position = members.firstIndex(of: name) else {
                throw yaml.error(byNode, "\(path).by", "\(HyperLearnError.quoted(name)) is not a member of the relation (members: \(members.joined(separator: ", ")))")
            }
            byMember = position
        }
        return TestSplitSpec(fraction: fraction, seed: seed, byMember: byMember, line: line, field: path)
    }

    private static func parseSource(_ node: Node, line: Int?, _ path: String, yaml: ManifestYAML,
                                    memberCount: Int, task: RelationTask) throws -> SourceSpec {
        let pairs = try yaml.mapping(node, path, allowed: sourceKeys)
        let (file, format) = try table(pairs, node, path, yaml: yaml)
        var spec = SourceSpec(file: file, format: format, line: line, field: path)
        if let columns = pairs.first(where: { $0.key == "columns" }) {
            let list = try yaml.columnList(columns.value, "\(path).columns", slot: "columns", format: &spec.format)
            guard list.count == memberCount else {
                throw yaml.error(columns.value, "\(path).columns", "\(list.count) column(s) for \(memberCount) members; give one per member")
            }
            spec.columns = list
        }
        spec.value = try pairs.first { $0.key == "value" }.map { try yaml.column($0.value, "\(path).value", slot: "value", format: &spec.format) }
        if let array = pairs.first(where: { $0.key == "array" }) {
            guard file.isArrayFile, file.path.lowercased().hasSuffix(".npz") else {
                throw yaml.error(array.value, "\(path).array", "'array' names a member of an .npz file; \(HyperLearnError.quoted(file.path)) is not one")
            }
            spec.array = try yaml.string(array.value, "\(path).array")
        } else if file.isArrayFile, file.path.lowercased().hasSuffix(".npz") {
            throw yaml.error(node, "\(path).array", "an .npz file needs 'array' (the member holding the hyperedges)")
        }
        if task == .regression && spec.value == nil {
            throw yaml.error(node, "\(path).value", "a regression relation needs 'value' (the column holding the values)")
        }
        if file.isArrayFile, spec.format != TextFormat() {
            throw yaml.error(node, path, "delimiter, encoding and header apply to text files, not to \(HyperLearnError.quoted(file.path))")
        }
        return spec
    }
}
