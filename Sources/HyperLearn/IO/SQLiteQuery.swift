import Dispatch
import Foundation
import GRDB

/// The rows of one SQL query against an SQLite file, read through GRDB, as the loader's
/// ``TableRows``: a manifest's `sqlite: {file: data.db, query: "SELECT user, movie, rating FROM ratings"}`.
///
/// The database is opened read-only, so a query cannot change it; a statement that would write
/// fails. Columns are named by the result's column names (as a text file's header), or by
/// position. Values become fields as text: integers in decimal, integral reals as integers (so a
/// `REAL` ID column matches the same IDs elsewhere), other reals in their shortest exact form, text
/// as it is, NULL as an empty field that errors call NULL, and a blob must be UTF-8 text.
///
/// A query that runs longer than `timeLimit` seconds is interrupted (a recursive query can run
/// forever), and any SQLite error becomes an error naming the file and the SQL.
struct SQLiteQuery: TableRows {
    /// The database file.
    let url: URL
    /// The file's name in errors (as written in the manifest).
    let fileName: String
    let query: String
    /// Seconds before the query is interrupted.
    var timeLimit: Double = SQLiteQuery.defaultTimeLimit

    /// The default time limit: five minutes, far above reading millions of rows.
    static let defaultTimeLimit = 300.0
    /// Rows read before the query is refused (a recursive query can give rows forever); by default
    /// as many as half the machine's memory holds at ``bytesPerRow`` each.
    var rowLimit = Int(ProcessInfo.processInfo.physicalMemory / 2 / UInt64(SQLiteQuery.bytesPerRow))

    /// Longest query text accepted (a manifest value).
    static let maximumQueryBytes = 100_000
    /// What a row costs while loading, its IDs, value and table entries, counted generously.
    static let bytesPerRow = 128

    var columnsPlace: ColumnsPlace { ColumnsPlace(file: fileName, line: nil, source: "the query's result") }

    func header() throws -> [String]? {
        try withStatement { statement in statement.columnNames }
    }

    func forEachRow(_ body: (DelimitedRow) throws -> Void) throws {
        try withStatement { statement in
            let names = statement.columnNames
            var row = DelimitedRow(fileName: fileName, encoding: .utf8, queryColumns: names)
            let cursor = try Row.fetchCursor(statement)
            var number = 0
            while let result = try cursor.next() {
                number += 1
                guard number <= rowLimit else {
                    throw HyperLearnError.invalidInput(
                        file: fileName, line: nil, field: "query",
                        reason: "the query gives more than \(rowLimit) rows, the most this machine's memory holds at about \(Self.bytesPerRow) bytes a row; add a WHERE or LIMIT clause (SQL: \(HyperLearnError.quoted(shownQuery)))")
                }
                row.reset(line: number)
                for (index, value) in result.databaseValues.enumerated() {
                    switch value.storage {
                    case .null: row.appendField(EmptyCollection<UInt8>(), isNull: true)
                    case let .int64(integer): row.appendField(String(integer).utf8)
                    case let .double(real): row.appendField(Self.text(real).utf8)
                    case let .string(text): row.appendField(text.utf8)
                    case let .blob(data):
                        guard UTF8Validation.firstInvalidByte([UInt8](data)) == nil else {
                            throw HyperLearnError.invalidInput(
                                file: fileName, line: nil, field: "query row \(number), column \(index) \(HyperLearnError.quoted(names[index]))",
                                reason: "a blob of \(data.count) bytes that is not UTF-8 text; select a text or number column")
                        }
                        row.appendField(data)
                    }
                }
                try body(row)
            }
        }
    }

    /// A real as a field: integral values within 2⁵³ without a fraction, others in Swift's shortest
    /// round-trip form.
    static func text(_ real: Double) -> String {
        if real.isFinite, real == real.rounded(), abs(real) < 9_007_199_254_740_992 { return String(Int64(real)) }
        return "\(real)"
    }

    /// Opens the file read-only, prepares the query and runs `body` under the time limit.
    private func withStatement<T>(_ body: (Statement) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "hyperlearn.sqlite"
        let database: DatabaseQueue
        do {
            database = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            throw failure(error)
        }
        // Interrupts a query still running when the limit passes; cancelled as soon as it ends.
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + timeLimit)
        timer.setEventHandler { database.interrupt() }
        timer.resume()
        defer { timer.cancel() }
        do {
            return try database.read { db in try body(try db.makeStatement(sql: query)) }
        } catch let error as HyperLearnError {
            throw error
        } catch {
            throw failure(error)
        }
    }

    /// An SQLite or GRDB failure as an error naming the file and the SQL.
    private func failure(_ error: Error) -> HyperLearnError {
        let reason: String
        if let error = error as? DatabaseError {
            reason = error.resultCode == .SQLITE_INTERRUPT
                ? "the query ran longer than \(String(format: "%g", timeLimit)) s and was stopped"
                : (error.message ?? "\(error.resultCode)")
        } else {
            reason = "\(error)"
        }
        return .invalidInput(file: fileName, line: nil, field: "query",
                             reason: "\(reason) (SQL: \(HyperLearnError.quoted(shownQuery)))")
    }

    /// The SQL as errors quote it: at most 300 characters.
    private var shownQuery: String { query.count > 300 ? String(query.prefix(300)) + "…" : query }
}
