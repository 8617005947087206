import Foundation
import Yams

/// Columns named by their header (`id: movieId`, `columns: [userId, movieId]`) in a text file with
/// `header: true`. The manifest records each name under its slot in the spec's ``Manifest/TextFormat``
/// (`id`, `numeric.0`, `columns.1`, `value`, …) and holds −1 in its place; the loader resolves the
/// names against the file's header row when it opens the file.
extension Manifest.TextFormat {
    /// The index of `slot`'s column: `index` as written, or the position of its name among the
    /// table's column names (a text file's header row, a query's result columns).
    /// - Throws: naming the table's file, its header line and the slot, when no column has the name.
    func column(_ slot: String, _ index: Int, header: [String]?, place: ColumnsPlace) throws -> Int {
        guard let name = columnNames[slot] else { return index }
        guard let header, let position = header.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == name }) else {
            let shown = (header ?? []).prefix(20).map { HyperLearnError.quoted($0) }.joined(separator: ", ")
            throw HyperLearnError.invalidInput(file: place.file, line: place.line, field: slot,
                                               reason: "no column named \(HyperLearnError.quoted(name)) in \(place.source) (\(shown))")
        }
        return position
    }

    /// ``column(_:_:header:place:)`` for each entry of a list slot (`numeric.0`, `numeric.1`, …).
    func columns(_ slot: String, _ indices: [Int], header: [String]?, place: ColumnsPlace) throws -> [Int] {
        try indices.enumerated().map { try column("\(slot).\($0.offset)", $0.element, header: header, place: place) }
    }
}

/// Where a table's column names are, for errors: its file, the line (1 for a header row, none for a
/// query) and what holds them (`the header`, `the query's result`).
struct ColumnsPlace {
    var file: String
    var line: Int?
    var source: String
}

extension ManifestYAML {
    /// A column: an integer, or (with `header: true` in `format`) a header name recorded under `slot`.
    func column(_ node: Node, _ path: String, slot: String, format: inout Manifest.TextFormat) throws -> Int {
        let text = try scalar(node, path, expected: "a column index or name")
        if Int(text.trimmingCharacters(in: .whitespaces)) != nil { return try int(node, path) }
        guard format.header else {
            throw error(node, path, "column \(HyperLearnError.quoted(text)) is a name; a column is named by its header only with 'header: true' (else give its 0-based index)")
        }
        guard !text.isEmpty, text.utf8.count <= 1_000 else { throw error(node, path, "a column name must be 1 to 1000 bytes") }
        format.columnNames[slot] = text
        return -1
    }

    /// A list of columns, each as ``column(_:_:slot:format:)`` under `slot.K`.
    func columnList(_ node: Node, _ path: String, slot: String, format: inout Manifest.TextFormat) throws -> [Int] {
        try list(node, path).enumerated().map { try column($0.element, "\(path)[\($0.offset)]", slot: "\(slot).\($0.offset)", format: &format) }
    }
}
