@testable import HyperLearn
import Foundation
import XCTest

final class ManifestIOTests: XCTestCase {
    static let movielensManifest = """
    name: movielens-100k
    modalities:
      user:
        features: {file: u.user, delimiter: "|", id: 0, numeric: [1], categorical: [2, 3]}
        graph: {knn: 10}
      movie:
        features: {file: u.item, delimiter: "|", encoding: latin1, id: 0,
                   numeric: [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]}
        graph: {knn: 10}
    relations:
      rating:
        members: [user, movie]
        task: regression
        train: {file: u1.base, delimiter: "\\t", columns: [0, 1], value: 2}
        test:  {file: u1.test, delimiter: "\\t", columns: [0, 1], value: 2}
    """

    static let gpsManifest = """
    name: gps
    modalities:
      user: {graph: {cooccurrence: 10}}
      location: {graph: {cooccurrence: 10}}
      activity: {graph: {cooccurrence: 10}}
    relations:
      visit:
        members: [user, location, activity]
        task: link
        train: {file: train_data.npz, array: train_data}
        test:  {file: test_data.npz, array: test_data}
    """

    /// A tiny MovieLens look-alike: 3 users, 3 movies (one title in Latin-1), user 9 only in test.
    func writeMovieLens(_ folder: TemporaryFolder, base: String? = nil) throws -> URL {
        try folder.write("u.user", "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n")
        let flags = "|0|0|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0"
        var item: [UInt8] = Array("1|Toy Story (1995)|01-Jan-1995||http://x\(flags)\n".utf8)
        item += Array("2|Caf".utf8) + [0xE9] + Array(" (1996)|01-Jan-1996||http://y\(flags.replacingOccurrences(of: "|1|1|", with: "|0|1|"))\n".utf8)
        item += Array("3|unknown|||\(flags)\n".utf8)
        try folder.write("u.item", bytes: item)
        try folder.write("u1.base", base ?? "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t878542960\n3\t3\t1\t886397596\n")
        try folder.write("u1.test", "2\t2\t2\t888551095\n9\t3\t4\t888551095\n")
        return try folder.write("movielens.yaml", Self.movielensManifest)
    }

    func writeGPS(_ folder: TemporaryFolder, trainRows: [Int64] = [0, 0, 0, 1, 1, 1, 2, 0, 1], nums: [Int64] = [3, 2, 2]) throws -> URL {
        let numsArray = try NPYArray(shape: [3], int64: nums)
        try NPZWriter.write([("nums_type", numsArray), ("train_data", try NPYArray(shape: [trainRows.count / 3, 3], int64: trainRows))],
                            to: folder.url.appendingPathComponent("train_data.npz"))
        try NPZWriter.write([("test_data", try NPYArray(shape: [1, 3], float64: [2, 1, 1])), ("nums_type", numsArray)],
                            to: folder.url.appendingPathComponent("test_data.npz"))
        return try folder.write("gps.yaml", Self.gpsManifest)
    }

    // MARK: The two reference manifests

    func testMovieLensExampleLoads() throws {
        let folder = try TemporaryFolder()
        let manifest = try Manifest.load(from: try writeMovieLens(folder))
        XCTAssertEqual(manifest.name, "movielens-100k")
        XCTAssertEqual(manifest.modalities.map(\.name), ["user", "movie"])
        XCTAssertEqual(manifest.modalities[1].features?.format.encoding, .latin1)
        XCTAssertEqual(manifest.resolvedFiles().map(\.lastPathComponent), ["u.user", "u.item", "u1.base", "u1.test"])
        let loaded = try manifest.loadDataset()
        let data = loaded.dataset
        let user = data.modalities[0], movie = data.modalities[1]
        XCTAssertEqual(user.ids, ["1", "2", "3", "9"])
        XCTAssertEqual(movie.ids, ["1", "2", "3"])
        XCTAssertEqual(user.graph, .nearestNeighbors(k: 10))
        // Age z-scores (population std), then gender (M, F), then occupation (technician, other, writer).
        let ages: [Float] = [24, 53, 23]
        let mean = ages.reduce(0, +) / 3
        let std = (ages.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 3).squareRoot()
        let features = try XCTUnwrap(user.features)
        XCTAssertEqual(features.columns, 1 + 2 + 3)
        XCTAssertEqual(features[1, 0], (53 - mean) / std, accuracy: 1e-5)
        XCTAssertEqual(features.row(1).dropFirst(), [0, 1, 0, 1, 0])
        XCTAssertEqual(features.row(3), [0, 0, 0, 0, 0, 0], "user 9 has no feature row")
        // Movie genre flags: column 9 is 1 everywhere → zeros; column 8 varies.
        let movieFeatures = try XCTUnwrap(movie.features)
        XCTAssertEqual(movieFeatures.columns, 19)
        XCTAssertEqual(movieFeatures.nested.map { $0[4] }, [0, 0, 0])
        XCTAssertGreaterThan(movieFeatures[0, 3], 0)
        XCTAssertLessThan(movieFeatures[1, 3], 0)
        let rating = data.relations[0]
        XCTAssertEqual(rating.task, .regression)
        XCTAssertEqual(rating.train, try HyperedgeSet([[0, 0], [0, 1], [1, 0], [2, 2]], values: [5, 3, 4, 1]))
        XCTAssertEqual(rating.test, try HyperedgeSet([[1, 1], [3, 2]], values: [2, 4]))
        XCTAssertEqual(loaded.diagnostics["user"], ModalityDiagnostics(count: 4, fromFeatures: 3, onlyInStructure: 0, onlyInTest: 1))
        XCTAssertEqual(loaded.relationDiagnostics["rating"], RelationDiagnostics(train: 4, test: 2))
    }

    func testLatin1TitlesDecode() throws {
        let folder = try TemporaryFolder()
        _ = try writeMovieLens(folder)
        let reader = try DelimitedTextReader(contentsOf: folder.url.appendingPathComponent("u.item"), delimiter: "|", encoding: .latin1)
        XCTAssertEqual(try reader.rows()[1].fields[1], "Café (1996)")
    }

    func testGPSExampleLoadsWithNumsType() throws {
        let folder = try TemporaryFolder()
        let loaded = try Manifest.load(from: try writeGPS(folder)).loadDataset()
        XCTAssertEqual(loaded.dataset.modalities.map(\.count), [3, 2, 2])
        XCTAssertEqual(loaded.dataset.modalities[0].ids, ["0", "1", "2"])
        XCTAssertEqual(loaded.dataset.modalities[0].graph, .cooccurrence(k: 10))
        XCTAssertEqual(loaded.dataset.relations[0].train, try HyperedgeSet([[0, 0, 0], [1, 1, 1], [2, 0, 1]]))
        XCTAssertEqual(loaded.dataset.relations[0].test, try HyperedgeSet([[2, 1, 1]]))
        XCTAssertNil(loaded.dataset.relations[0].train.values)
    }

    /// A graph as an integer edge array in an .npz member (the layout `hyperlearn generate` writes).
    func testGraphFromNPZEdgeArray() throws {
        let folder = try TemporaryFolder()
        _ = try writeGPS(folder)
        try NPZWriter.write([("graph_0", try NPYArray(shape: [2, 2], int64: [0, 1, 2, 1]))],
                            to: folder.url.appendingPathComponent("graphs.npz"))
        let manifest = Self.gpsManifest.replacingOccurrences(
            of: "user: {graph: {cooccurrence: 10}}", with: "user: {graph: {file: graphs.npz, array: graph_0}}")
        let loaded = try Manifest.load(from: try folder.write("graph.yaml", manifest)).loadDataset()
        guard case let .adjacency(adjacency)? = loaded.dataset.modalities[0].graph else { return XCTFail("no adjacency") }
        XCTAssertEqual(adjacency.dense.nested, [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
        XCTAssertEqual(loaded.dataset.modalities[0].count, 3)

        try NPZWriter.write([("graph_0", try NPYArray(shape: [2, 2], int64: [0, 1, 7, 1]))],
                            to: folder.url.appendingPathComponent("graphs.npz"))
        assertInvalidInput(try Manifest.load(from: folder.url.appendingPathComponent("graph.yaml")).loadDataset(),
                           file: "graphs.npz", line: nil, field: "graph_0",
                           reasonContains: "row 1, column 0: index 7 is not an item of modality 'user'")
        try NPZWriter.write([("graph_0", try NPYArray(shape: [3], int64: [0, 1, 2]))],
                            to: folder.url.appendingPathComponent("graphs.npz"))
        assertInvalidInput(try Manifest.load(from: folder.url.appendingPathComponent("graph.yaml")).loadDataset(),
                           file: "graphs.npz", line: nil, field: "graph_0", reasonContains: "edges × 2")
        let missingArray = Self.gpsManifest.replacingOccurrences(
            of: "user: {graph: {cooccurrence: 10}}", with: "user: {graph: {file: graphs.npz}}")
        assertInvalidInput(try Manifest.load(from: try folder.write("bad.yaml", missingArray)),
                           file: "bad.yaml", line: 3, field: "modalities.user.graph.array", reasonContains: "needs 'array'")
    }

    func testJSONGraphFileHypergraphFileAndDataRoot() throws {
        let folder = try TemporaryFolder()
        let data = folder.url.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "a\tb\t1\nb\tc\t2\nc\tb\t5\n".write(to: data.appendingPathComponent("friends.tsv"), atomically: true, encoding: .utf8)
        try "s1 s2\n\ns3  s1\n".write(to: data.appendingPathComponent("playlists.txt"), atomically: true, encoding: .utf8)
        try "a\ts1\nb\ts2\n".write(to: data.appendingPathComponent("listens.tsv"), atomically: true, encoding: .utf8)
        let json = """
        {"name": "music",
         "modalities": {
        \t"user": {"graph": {"file": "friends.tsv", "delimiter": "\\t", "columns": [0, 1], "weight": 2}},
        \t"song": {"hypergraph": {"file": "playlists.txt", "delimiter": " "}, "graph": {"cooccurrence": 5, "hub": 50}}},
         "relations": {"listen": {"members": ["user", "song"], "task": "link", "train": {"file": "listens.tsv"}, "weight": 0.5}}}
        """
        let manifest = try Manifest.load(from: try folder.write("music.json", json))
        let loaded = try manifest.loadDataset(dataRoot: data)
        let user = loaded.dataset.modalities[0], song = loaded.dataset.modalities[1]
        XCTAssertEqual(user.ids, ["a", "b", "c"])
        guard case let .adjacency(adjacency)? = user.graph else { return XCTFail("no adjacency") }
        XCTAssertEqual(adjacency.dense.nested, [[0, 1, 0], [1, 0, 5], [0, 5, 0]])
        XCTAssertEqual(song.ids, ["s1", "s2", "s3"])
        XCTAssertEqual(song.hypergraph, .groups([[0, 1], [2, 0]]))
        XCTAssertEqual(song.graph, .cooccurrence(k: 5, hubLimit: 50))
        XCTAssertEqual(loaded.dataset.relations[0].weight, 0.5)
        XCTAssertEqual(loaded.diagnostics["user"]?.onlyInStructure, 1)
        XCTAssertEqual(loaded.diagnostics["song"]?.onlyInStructure, 1)
    }

    // MARK: Manifest errors: the manifest's file and line

    func manifestError(_ yaml: String, line: Int?, field: String, reason: String? = nil,
                       sourceLine: UInt = #line) throws {
        let folder = try TemporaryFolder()
        _ = try writeMovieLens(folder)
        let url = try folder.write("bad.yaml", yaml)
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "bad.yaml", line: line, field: field,
                           reasonContains: reason, sourceLine: sourceLine)
    }

    func replacing(_ old: String, _ new: String) -> String {
        Self.movielensManifest.replacingOccurrences(of: old, with: new)
    }

    func testMissingManifest() {
        assertInvalidInput(try Manifest.load(from: URL(fileURLWithPath: "/nonexistent/m.yaml")), file: "m.yaml", line: nil, field: "manifest")
    }

    func testMissingDataFile() throws {
        try manifestError(replacing("file: u1.test", "file: u9.test"), line: 15, field: "relations.rating.test.file", reason: "no such file")
    }

    func testYAMLSyntaxError() throws {
        try manifestError(replacing("members: [user, movie]", "members: [user, movie"), line: 13, field: "yaml", reason: "syntax")
    }

    func testUnknownKeyListsAllowedKeys() throws {
        try manifestError(replacing("graph: {knn: 10}\n  movie", "grahp: {knn: 10}\n  movie"), line: 5,
                          field: "modalities.user.grahp", reason: "allowed keys: features, graph, hypergraph, count")
    }

    func testWrongType() throws {
        // Without a header a column is an index; a name says how to use it.
        try manifestError(replacing("value: 2}\n  ", "value: rating}\n  "), line: 14, field: "relations.rating.train.value",
                          reason: "named by its header only with 'header: true'")
    }

    func testUnknownModalityInMembers() throws {
        try manifestError(replacing("[user, movie]", "[user, film]"), line: 12, field: "relations.rating.members", reason: "unknown modality 'film'")
    }

    func testDuplicateModalityName() throws {
        try manifestError(replacing("  movie:\n", "  user:\n"), line: 6, field: "user", reason: "duplicate")
    }

    func testRelationWithOneMember() throws {
        try manifestError(replacing("[user, movie]", "[user]"), line: 12, field: "relations.rating.members", reason: "at least two")
    }

    func testUnknownTask() throws {
        try manifestError(replacing("task: regression", "task: ranking"), line: 13, field: "relations.rating.task", reason: "regression or link")
    }

    // MARK: Data errors: the data file's line

    func testNonNumericAndNonFiniteValues() throws {
        for bad in ["x", "nan", "inf", "-Infinity"] {
            let folder = try TemporaryFolder()
            let url = try writeMovieLens(folder, base: "1\t1\t5\t0\n1\t2\t\(bad)\t0\n")
            assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "u1.base", line: 2, field: "column 2 (value)")
        }
    }

    func testRowWithTooFewColumns() throws {
        let folder = try TemporaryFolder()
        let url = try writeMovieLens(folder, base: "1\t1\t5\t0\n\n1\t2\n")
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "u1.base", line: 3, field: "column 2 (value)",
                           reasonContains: "2 column(s)")
    }

    func testEmptyTrainingSet() throws {
        let folder = try TemporaryFolder()
        let url = try writeMovieLens(folder, base: "\n")
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "u1.base", line: nil, field: "relations.rating.train",
                           reasonContains: "empty")
    }

    func testIndexOutOfNumsTypeRange() throws {
        let folder = try TemporaryFolder()
        let url = try writeGPS(folder, trainRows: [0, 0, 0, 1, 2, 1])
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "train_data.npz", line: nil, field: "train_data",
                           reasonContains: "row 1, column 1: index 2 is outside 0..<2")
    }

    func testTruncatedAndNonZipNPZ() throws {
        let folder = try TemporaryFolder()
        let url = try writeGPS(folder)
        let testURL = folder.url.appendingPathComponent("test_data.npz")
        let bytes = try Data(contentsOf: testURL)
        try bytes.prefix(bytes.count - 30).write(to: testURL)
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "test_data.npz", line: nil, field: "test_data")
        try "1\t2\t3\n".write(to: testURL, atomically: true, encoding: .utf8)
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "test_data.npz", line: nil, field: "test_data",
                           reasonContains: "not a readable")
    }

    // MARK: Real data

    func testRealMovieLens100K() throws {
        guard let data = sharedDataFolder() else { throw XCTSkip("../shared/data is absent") }
        let folder = try TemporaryFolder()
        let url = try folder.write("ml-100k.yaml", Self.movielensManifest)
        let loaded = try Manifest.load(from: url).loadDataset(dataRoot: data.appendingPathComponent("ml-100k"))
        let user = loaded.dataset.modalities[0], movie = loaded.dataset.modalities[1]
        XCTAssertEqual(user.count, 943)
        XCTAssertEqual(movie.count, 1682)
        XCTAssertEqual(user.features?.columns, 1 + 2 + 21)
        XCTAssertEqual(movie.features?.columns, 19)
        XCTAssertEqual(loaded.relationDiagnostics["rating"], RelationDiagnostics(train: 80000, test: 20000))
        XCTAssertEqual(loaded.diagnostics["user"], ModalityDiagnostics(count: 943, fromFeatures: 943, onlyInStructure: 0, onlyInTest: 0))
    }
}
