import Foundation

/// One item's row of a features file: its index, numeric values and categorical values (multi-label
/// values tagged with their column).
struct FeatureRow {
    var item: Int32
    var numeric: [Double]
    var categorical: [String]
}

/// How a modality's feature rows become a matrix, fitted on the training items: numeric columns as
/// z-scores with the training means and deviations (a constant column gives zeros), then one-hot blocks
/// for categorical columns (categories in order of first appearance; the last block, when there are
/// multi-label columns, holds every tagged label, multi-hot). Items without a row get zeros, and so
/// does a category the training items never had: new items are encoded exactly as trained ones.
struct FeatureEncoding {
    let numericCount: Int
    let categoricalCount: Int
    var categories: [[String: Int]]
    var means: [Double]
    var deviations: [Double]

    init(_ spec: Manifest.FeatureSpec, rows: [FeatureRow]) {
        numericCount = spec.numeric.count
        categoricalCount = spec.categorical.count
        categories = Array(repeating: [:], count: spec.categorical.count + (spec.multilabel.isEmpty ? 0 : 1))
        means = [Double](repeating: 0, count: numericCount)
        deviations = [Double](repeating: 0, count: numericCount)
        for row in rows {
            for (c, value) in row.categorical.enumerated() where categories[block(c)][value] == nil {
                categories[block(c)][value] = categories[block(c)].count
            }
        }
        guard !rows.isEmpty else { return }
        for row in rows { for c in 0..<numericCount { means[c] += row.numeric[c] } }
        for c in 0..<numericCount { means[c] /= Double(rows.count) }
        for row in rows { for c in 0..<numericCount { deviations[c] += (row.numeric[c] - means[c]) * (row.numeric[c] - means[c]) } }
        for c in 0..<numericCount { deviations[c] = (deviations[c] / Double(rows.count)).squareRoot() }
    }

    private func block(_ c: Int) -> Int { min(c, categoricalCount) }

    var width: Int { numericCount + categories.reduce(0) { $0 + $1.count } }

    /// `rows` encoded into a `count × width` matrix (row `item` of each); `nil` when no column is encoded.
    func matrix(_ rows: [FeatureRow], count: Int) -> Matrix? {
        guard width > 0 else { return nil }
        var offsets = [numericCount]
        for b in categories.indices { offsets.append(offsets[b] + categories[b].count) }
        var matrix = Matrix(rows: count, columns: width)
        for row in rows {
            let i = Int(row.item)
            for c in 0..<numericCount where deviations[c] > 1e-12 * max(1, abs(means[c])) {
                matrix[i, c] = Float((row.numeric[c] - means[c]) / deviations[c])
            }
            for (c, value) in row.categorical.enumerated() {
                if let k = categories[block(c)][value] { matrix[i, offsets[block(c)] + k] = 1 }
            }
        }
        return matrix
    }
}

extension ManifestLoader {
    /// The rows of a features file read with `spec`'s reader options; `register` numbers each ID.
    func featureRows(_ spec: Manifest.FeatureSpec, file: Manifest.FileReference,
                     register: (_ id: String, _ line: Int) throws -> Int32) throws -> [FeatureRow] {
        var rows = [FeatureRow]()
        var seen: [String: Int] = [:]
        let text = try table(file, spec.format), header = try text.header(), format = spec.format
        let idColumn = try format.column("id", spec.idColumn, header: header, place: text.columnsPlace)
        let numericColumns = try format.columns("numeric", spec.numeric, header: header, place: text.columnsPlace)
        let categoricalColumns = try format.columns("categorical", spec.categorical, header: header, place: text.columnsPlace)
        let multilabelColumns = try format.columns("multilabel", spec.multilabel, header: header, place: text.columnsPlace)
        try text.forEachRow { row in
            let id = try row.identifier(at: idColumn, name: "id")
            if let first = seen[id] {
                throw row.fieldError(idColumn, name: "id", reason: "duplicate id \(HyperLearnError.quoted(id)) (first on \(row.placeName) \(first))")
            }
            seen[id] = row.line
            let numeric = try numericColumns.map { try bounded(row, $0, "numeric") }
            var categorical = try categoricalColumns.map { try row.string(at: $0, name: "categorical") }
            // Multi-label columns become one categorical value per label, tagged with their column.
            for column in multilabelColumns {
                let labels = try row.string(at: column, name: "multilabel")
                    .components(separatedBy: spec.labelSeparator).filter { !$0.isEmpty }
                categorical += labels.map { "\u{1F}\(column)\u{1F}\($0)" }
            }
            rows.append(FeatureRow(item: try register(id, row.line), numeric: numeric, categorical: categorical))
        }
        return rows
    }

    /// Items of modality `name` that are not among `trainedIDs`, read from `file` with the modality's
    /// `features` reader options and encoded as the training items' features were (their means,
    /// deviations and categories). A modality without features takes a file of IDs, one per line.
    /// - Throws: the file, line and field of a bad row, an ID already trained, or an empty file.
    public func loadNewItems(modality name: String, file: URL, trainedIDs: [String]) throws -> (ids: [String], features: Matrix?) {
        guard let spec = manifest.modalities.first(where: { $0.name == name }) else {
            throw HyperLearnError.invalidArgument("modality '\(name)' is not in the manifest (modalities: \(manifest.modalities.map(\.name).joined(separator: ", ")))")
        }
        let trained = Dictionary(trainedIDs.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let reference = Manifest.FileReference(path: file.path, line: nil, field: "items")
        var ids = [String]()
        func register(_ id: String, line: Int) throws -> Int32 {
            guard trained[id] == nil else {
                throw HyperLearnError.invalidInput(file: file.path, line: line, field: "id", reason: "item \(HyperLearnError.quoted(id)) was in training; embed only new items")
            }
            guard ids.count < InputLimits.maximumItems else {
                throw HyperLearnError.invalidInput(file: file.path, line: line, field: "id", reason: "more than \(InputLimits.maximumItems) items")
            }
            ids.append(id)
            return Int32(ids.count - 1)
        }
        var features: Matrix?
        if let featureSpec = spec.features {
            let trainedRows = try featureRows(featureSpec, file: featureSpec.file) { id, _ in
                trained[id].map(Int32.init) ?? -1
            }.filter { $0.item >= 0 }
            let encoding = FeatureEncoding(featureSpec, rows: trainedRows)
            let rows = try featureRows(featureSpec, file: reference) { id, line in try register(id, line: line) }
            features = encoding.matrix(rows, count: ids.count) ?? Matrix(rows: ids.count, columns: 0)
        } else {
            var seen = Set<String>()
            try DelimitedTextReader(contentsOf: file, fileName: file.path, delimiter: "\t", hasHeader: false, encoding: .utf8).forEachRow { row in
                let id = try row.identifier(at: 0, name: "id")
                guard seen.insert(id).inserted else { throw row.fieldError(0, name: "id", reason: "duplicate id \(HyperLearnError.quoted(id))") }
                _ = try register(id, line: row.line)
            }
        }
        guard !ids.isEmpty else {
            throw HyperLearnError.invalidInput(file: file.path, line: nil, field: "items", reason: "no item to embed")
        }
        return (ids, features)
    }
}
