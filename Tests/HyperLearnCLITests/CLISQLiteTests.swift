import Foundation
import GRDB
import XCTest

/// `hyperlearn train` on the tiny fixture with its ratings and user features in an SQLite database:
/// the same run as from the text files, and a bad query is exit status 2 naming the file and the SQL.
final class CLISQLiteTests: XCTestCase {
    /// The tiny fixture with `rating` (train and test) and the user features moved into `tiny.db`.
    func sqliteCopy() throws -> URL {
        let copy = try CLI.tinyCopy(self)
        let database = try DatabaseQueue(path: copy.appendingPathComponent("tiny.db").path)
        func rows(_ name: String) throws -> [[String]] {
            try String(contentsOf: copy.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        }
        try database.write { db in
            try db.execute(sql: "CREATE TABLE ratings (user TEXT, item TEXT, rating REAL, split TEXT)")
            for (file, split) in [("rating.train.tsv", "train"), ("rating.test.tsv", "test")] {
                for row in try rows(file) {
                    try db.execute(sql: "INSERT INTO ratings VALUES (?, ?, ?, ?)", arguments: [row[0], row[1], Double(row[2]), split])
                }
            }
            try db.execute(sql: "CREATE TABLE users (id TEXT, age INTEGER, grp TEXT)")
            for row in try rows("users.tsv") {
                try db.execute(sql: "INSERT INTO users VALUES (?, ?, ?)", arguments: [row[0], Int(row[1]), row[2]])
            }
        }
        var manifest = try String(contentsOf: copy.appendingPathComponent("manifest.yaml"), encoding: .utf8)
        manifest = manifest
            .replacingOccurrences(of: "features: {file: users.tsv, id: 0, numeric: [1], categorical: [2]}",
                                  with: #"features: {sqlite: {file: tiny.db, query: "SELECT id, age, grp FROM users ORDER BY rowid"}, id: id, numeric: [age], categorical: [grp]}"#)
            .replacingOccurrences(of: "train: {file: rating.train.tsv, columns: [0, 1], value: 2}",
                                  with: #"train: {sqlite: {file: tiny.db, query: "SELECT user, item, rating FROM ratings WHERE split = 'train' ORDER BY rowid"}, columns: [user, item], value: rating}"#)
            .replacingOccurrences(of: "test: {file: rating.test.tsv, columns: [0, 1], value: 2}",
                                  with: #"test: {sqlite: {file: tiny.db, query: "SELECT user, item, rating FROM ratings WHERE split = 'test' ORDER BY rowid"}, columns: [user, item], value: rating}"#)
        XCTAssertEqual(manifest.components(separatedBy: "sqlite:").count - 1, 3)
        try manifest.write(to: copy.appendingPathComponent("sqlite.yaml"), atomically: true, encoding: .utf8)
        return copy
    }

    func testTrainingFromQueriesEqualsTrainingFromTheFiles() throws {
        let copy = try sqliteCopy()
        let fromFiles = copy.deletingLastPathComponent().appendingPathComponent("files")
        let fromSQL = copy.deletingLastPathComponent().appendingPathComponent("sql")
        for (manifest, out) in [("manifest.yaml", fromFiles), ("sqlite.yaml", fromSQL)] {
            let result = try CLI.run(CLI.trainArguments(copy.appendingPathComponent(manifest), out: out))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let files = try CLI.json(fromFiles.appendingPathComponent("metrics.json"))
        let sql = try CLI.json(fromSQL.appendingPathComponent("metrics.json"))
        let rmse = { (m: [String: Any]) in (m["relations"] as? [String: [String: [String: Double]]])?["rating"]?["test"]?["rmse"] }
        XCTAssertNotNil(rmse(files))
        XCTAssertEqual(rmse(files), rmse(sql), "the same rows give the same run")
        for name in ["user.npy", "item.npy"] {
            XCTAssertEqual(try Data(contentsOf: fromFiles.appendingPathComponent("embeddings/\(name)")),
                           try Data(contentsOf: fromSQL.appendingPathComponent("embeddings/\(name)")), name)
        }
    }

    func testABadQueryIsExitStatusTwoNamingTheFileAndTheSQL() throws {
        let copy = try sqliteCopy()
        let manifest = copy.appendingPathComponent("sqlite.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "FROM users", with: "FROM nobody")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let out = copy.deletingLastPathComponent().appendingPathComponent("out")
        let result = try CLI.run(CLI.trainArguments(manifest, out: out))
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("tiny.db: field 'query': no such table: nobody (SQL: 'SELECT id, age, grp FROM nobody ORDER BY rowid')"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }
}
