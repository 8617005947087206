/// A source of rows with numbered fields: a delimited text file (``DelimitedTextReader``) or an
/// SQLite query (`SQLiteQuery`). The loader reads features, labels and relations through it, so
/// the same column rules and the same errors (file, line or row, field) apply to both.
protocol TableRows {
    /// The column names, or `nil` when the source has none (a text file without `header: true`).
    func header() throws -> [String]?
    /// Calls `body` with each data row in order; the row is valid for the call.
    func forEachRow(_ body: (DelimitedRow) throws -> Void) throws
    /// Where the column names are, for errors.
    var columnsPlace: ColumnsPlace { get }
}

extension DelimitedTextReader: TableRows {
    var columnsPlace: ColumnsPlace { ColumnsPlace(file: fileName, line: 1, source: "the header") }
}
