@testable import HyperLearn
import Foundation
import GRDB
import XCTest

/// Relations, features and labels read from SQLite queries (`sqlite: {file, query}`), through GRDB,
/// against a real database file made here.
final class SQLiteSourceIOTests: XCTestCase {
    /// A database with ratings (one rating stored as REAL, one user ID as an integer), movies with a
    /// genre, a year and a title, and a table of rows that break the rules.
    func makeDatabase(_ folder: TemporaryFolder) throws -> URL {
        let url = folder.url.appendingPathComponent("data.db")
        let database = try DatabaseQueue(path: url.path)
        try database.write { db in
            try db.execute(sql: """
                CREATE TABLE ratings (user TEXT, movie TEXT, rating REAL, seen INTEGER);
                INSERT INTO ratings VALUES ('u1', 'm1', 4, 1), ('u1', 'm2', 3.5, 0), ('u2', 'm3', 5, 1), (7, 'm1', 2, 1);
                CREATE TABLE movies (id TEXT, genre TEXT, year INTEGER, title TEXT);
                INSERT INTO movies VALUES ('m1', 'drama', 1995, 'Heat'), ('m2', 'comedy', 1999, 'Toy Story, 2'), ('m3', 'drama', 1979, 'Alien');
                CREATE TABLE broken (user TEXT, movie TEXT, rating REAL, picture BLOB);
                INSERT INTO broken VALUES ('u1', 'm1', 4, x'00'), ('u2', 'm2', NULL, x'FFFE');
                """)
        }
        return url
    }

    func manifest(_ folder: TemporaryFolder, ratings: String, movies: String = "{}") throws -> URL {
        try folder.write("m.yaml", """
        name: fromsql
        modalities:
          user: {}
          movie: \(movies)
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: \(ratings)
        """)
    }

    func testQueriesGiveTheSameDatasetAsTheSameRowsInTextFiles() throws {
        let folder = try TemporaryFolder()
        _ = try makeDatabase(folder)
        let fromSQL = try manifest(
            folder,
            ratings: #"{sqlite: {file: data.db, query: "SELECT user, movie, rating FROM ratings WHERE seen = 1 ORDER BY rowid"}, columns: [user, movie], value: rating}"#,
            movies: #"""
            {features: {sqlite: {file: data.db, query: "SELECT id, genre, year FROM movies"}, id: id, numeric: [year], categorical: [genre]},
                     labels: {sqlite: {file: data.db, query: "SELECT id, title FROM movies"}, id: 0, column: title}}
            """#)
        let sql = try Manifest.load(from: fromSQL).loadDataset().dataset

        try folder.write("ratings.tsv", "u1\tm1\t4\nu2\tm3\t5\n7\tm1\t2\n")
        try folder.write("movies.tsv", "m1\tdrama\t1995\tHeat\nm2\tcomedy\t1999\tToy Story, 2\nm3\tdrama\t1979\tAlien\n")
        let fromText = try folder.write("t.yaml", """
        name: fromtext
        modalities:
          user: {}
          movie:
            features: {file: movies.tsv, id: 0, numeric: [2], categorical: [1]}
            labels: {file: movies.tsv, id: 0, column: 3}
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: {file: ratings.tsv, columns: [0, 1], value: 2}
        """)
        let text = try Manifest.load(from: fromText).loadDataset().dataset

        // The integer user 7 reads as the ID "7"; the REAL ratings 4 and 5 as numbers.
        XCTAssertEqual(sql.modalities[0].ids, ["u1", "u2", "7"])
        XCTAssertEqual(sql.modalities[1].ids, ["m1", "m2", "m3"])
        XCTAssertEqual(sql.modalities.map(\.ids), text.modalities.map(\.ids))
        XCTAssertEqual(sql.relations[0].train.members, [0, 0, 1, 2, 2, 0])
        XCTAssertEqual(sql.relations[0].train.values, [4, 5, 2])
        XCTAssertEqual(sql.relations[0].train, text.relations[0].train)
        let features = try XCTUnwrap(sql.modalities[1].features)
        XCTAssertEqual(features, text.modalities[1].features)
        XCTAssertEqual(features.columns, 3, "a z-scored year and two genres")
        XCTAssertEqual(sql.modalities[1].labels, ["Heat", "Toy Story, 2", "Alien"])
    }

    func testValuesBecomeFieldsAsText() {
        XCTAssertEqual(SQLiteQuery.text(4), "4")
        XCTAssertEqual(SQLiteQuery.text(-3.0), "-3")
        XCTAssertEqual(SQLiteQuery.text(3.5), "3.5")
        XCTAssertEqual(SQLiteQuery.text(0.1), "0.1")
        XCTAssertEqual(SQLiteQuery.text(1e300), "1e+300")
    }

    func testBadQueriesAndRowsNameTheFileTheSQLAndTheRow() throws {
        let folder = try TemporaryFolder()
        _ = try makeDatabase(folder)
        func load(_ ratings: String) throws -> LoadedDataset {
            try Manifest.load(from: manifest(folder, ratings: ratings)).loadDataset()
        }
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELEC user FROM ratings"}, value: 2}"#),
                           file: "data.db", line: nil, field: "query", reasonContains: "syntax error")
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELECT * FROM nowhere"}, value: 2}"#),
                           file: "data.db", line: nil, field: "query", reasonContains: "SQL: 'SELECT * FROM nowhere'")
        // Read-only: a statement that writes fails and the table is still there.
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "DELETE FROM ratings"}, value: 2}"#),
                           file: "data.db", line: nil, field: "query", reasonContains: "readonly")
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELECT 1; DROP TABLE ratings"}, value: 2}"#),
                           file: "data.db", line: nil, field: "query", reasonContains: "Multiple statements")
        XCTAssertEqual(try load(#"{sqlite: {file: data.db, query: "SELECT user, movie, rating FROM ratings"}, value: 2}"#).dataset.relations[0].train.count, 4)
        // A NULL rating and a column name the result lacks.
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELECT user, movie, rating FROM broken"}, value: rating}"#),
                           file: "data.db", line: nil, field: "query row 2, column 2 'rating' (value)", reasonContains: "(the query gave NULL)")
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELECT user, movie FROM ratings"}, value: rating}"#),
                           file: "data.db", line: nil, field: "value", reasonContains: "no column named 'rating' in the query's result ('user', 'movie')")
        assertInvalidInput(try load(#"{sqlite: {file: data.db, query: "SELECT user, movie, picture FROM broken WHERE rating IS NULL"}, value: 2}"#),
                           file: "data.db", line: nil, field: "query row 1, column 2 'picture'", reasonContains: "not UTF-8")
        // A repeated label ID names the query rows, not lines.
        assertInvalidInput(try Manifest.load(from: manifest(folder, ratings: #"{sqlite: {file: data.db, query: "SELECT user, movie, rating FROM ratings"}, value: 2}"#,
                                                            movies: #"{labels: {sqlite: {file: data.db, query: "SELECT id, title FROM movies UNION ALL SELECT 'm1', 'again'"}}}"#)).loadDataset(),
                           file: "data.db", line: nil, field: "query row 4, column 0 'id' (id)", reasonContains: "first on query row 1")
        // A file that is not a database, and a missing one.
        try folder.write("text.db", String(repeating: "not sqlite\n", count: 200))
        assertInvalidInput(try load(#"{sqlite: {file: text.db, query: "SELECT 1, 2, 3"}, value: 2}"#),
                           file: "text.db", line: nil, field: "query", reasonContains: "not a database")
        XCTAssertThrowsError(try load(#"{sqlite: {file: none.db, query: "SELECT 1, 2, 3"}, value: 2}"#)) {
            XCTAssertTrue("\($0)".contains("none.db"), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("none.db").path), "a read-only open creates nothing")
    }

    func testTheManifestRefusesMixedOrIncompleteSources() throws {
        let folder = try TemporaryFolder()
        func refusal(_ ratings: String) -> String {
            do {
                _ = try Manifest.load(from: manifest(folder, ratings: ratings))
                return "no error"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal(#"{file: r.tsv, sqlite: {file: data.db, query: "SELECT 1"}, value: 2}"#).contains("not both"))
        XCTAssertTrue(refusal(#"{sqlite: {file: data.db}, value: 2}"#).contains("give both 'file'"))
        XCTAssertTrue(refusal(#"{sqlite: {file: data.db, query: "  "}, value: 2}"#).contains("1 to 100000 bytes"))
        XCTAssertTrue(refusal(#"{sqlite: {file: data.db, query: "SELECT 1", table: t}, value: 2}"#).contains("table"))
        XCTAssertTrue(refusal(#"{sqlite: {file: data.db, query: "SELECT 1"}, delimiter: ",", value: 2}"#).contains("'delimiter' applies to text files"))
        XCTAssertTrue(refusal(#"{sqlite: {file: data.npz, query: "SELECT 1"}, array: hyperedges, value: 2}"#).contains("'array' names a member of an .npz file"))
        XCTAssertTrue(refusal(#"{value: 2}"#).contains("missing required key 'file' (or 'sqlite"))
    }

    func testAQueryThatRunsTooLongIsStopped() throws {
        let folder = try TemporaryFolder()
        let url = try makeDatabase(folder)
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
        let query = SQLiteQuery(url: url, fileName: "data.db", query: endless, timeLimit: 0.3)
        let start = Date()
        assertInvalidInput(try query.forEachRow { _ in }, file: "data.db", line: nil, field: "query", reasonContains: "ran longer than 0.3 s and was stopped")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
    }

    func testAQueryThatGivesTooManyRowsIsRefused() throws {
        let folder = try TemporaryFolder()
        let url = try makeDatabase(folder)
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT 'u' || x, 'm1', 1 FROM c"
        var query = SQLiteQuery(url: url, fileName: "data.db", query: endless)
        query.rowLimit = 1_000
        var rows = 0
        assertInvalidInput(try query.forEachRow { _ in rows += 1 }, file: "data.db", line: nil, field: "query",
                           reasonContains: "more than 1000 rows")
        XCTAssertEqual(rows, 1_000)
        XCTAssertGreaterThan(SQLiteQuery(url: url, fileName: "data.db", query: endless).rowLimit, 1_000_000, "the default holds millions")
    }
}
