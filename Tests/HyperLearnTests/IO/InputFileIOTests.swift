@testable import HyperLearn
import Foundation
import XCTest

/// The second hardening pass of issue 15: files that are not regular files, manifests with a
/// byte-order mark or very many modalities, `knn` without features, and huge values in messages.
final class InputFileIOTests: XCTestCase {
    /// A two-modality link manifest; `user` and `train` are spliced in.
    func manifest(_ folder: TemporaryFolder, user: String = "user: {}", train: String = "train.tsv") throws -> URL {
        try folder.write("manifest.yaml", """
            name: files
            modalities:
              \(user)
              item: {}
            relations:
              likes:
                members: [user, item]
                task: link
                train: {file: \(train)}
            """)
    }

    func makeFIFO(_ url: URL) throws {
        guard mkfifo(url.path, 0o644) == 0 else { throw XCTSkip("mkfifo failed: \(String(cString: strerror(errno)))") }
    }

    /// Files of size 0 take their own path (Foundation's leaks a 4 KB buffer on each): an empty file
    /// reads as empty, a procfs file, which reports size 0, still gives its contents, and any other
    /// file is read whole, mapped or not.
    func testContentsOfEmptyProcfsAndOrdinaryFiles() throws {
        let folder = try TemporaryFolder()
        let empty = try folder.write("empty.tsv", "")
        XCTAssertEqual(try InputFile.contents(of: empty), Data())
        XCTAssertEqual(try InputFile.read(empty, file: "empty.tsv", field: "file"), Data())
        let rows = try folder.write("rows.tsv", "a\tb\n")
        XCTAssertEqual(try InputFile.contents(of: rows), Data("a\tb\n".utf8))
        XCTAssertEqual(try InputFile.contents(of: rows, options: .alwaysMapped), Data("a\tb\n".utf8))
        let status = URL(fileURLWithPath: "/proc/self/status")
        guard FileManager.default.fileExists(atPath: status.path) else { return }
        XCTAssertTrue(String(decoding: try InputFile.contents(of: status), as: UTF8.self).contains("VmRSS:"))
    }

    /// Issue 15: a FIFO named as a data file blocked the load forever.
    func testFIFOIsRefusedBeforeItIsOpened() throws {
        let folder = try TemporaryFolder()
        try makeFIFO(folder.url.appendingPathComponent("train.tsv"))
        let url = try manifest(folder)
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "manifest.yaml", line: 9,
                           field: "relations.likes.train.file", reasonContains: "is a FIFO (named pipe), not a regular file")
        // The manifest itself, and a reader opened directly.
        let fifoManifest = folder.url.appendingPathComponent("fifo.yaml")
        try makeFIFO(fifoManifest)
        assertInvalidInput(try Manifest.load(from: fifoManifest), file: "fifo.yaml", line: nil, field: "manifest",
                           reasonContains: "is a FIFO (named pipe)")
        assertInvalidInput(try DelimitedTextReader(contentsOf: folder.url.appendingPathComponent("train.tsv")), file: "train.tsv",
                           line: nil, field: "file", reasonContains: "is a FIFO (named pipe)")
        assertInvalidInput(try NPYArray.read(contentsOf: fifoManifest), file: "fifo.yaml", line: nil, field: "file",
                           reasonContains: "is a FIFO (named pipe)")
    }

    /// Issue 15: `/dev/zero` as a features file said "You don't have permission".
    func testDeviceAsFeaturesFileSaysWhatItIs() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.tsv", "u1\ti1\n")
        let url = try manifest(folder, user: "user: {features: {file: /dev/zero, numeric: [1]}}")
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "manifest.yaml", line: 3,
                           field: "modalities.user.features.file", reasonContains: "/dev/zero is a character device, not a regular file")
        XCTAssertThrowsError(try Manifest.load(from: url).loadDataset()) { error in
            XCTAssertFalse("\(error)".contains("permission"), "\(error)")
        }
        // A folder in place of a file, and a missing file.
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("dir.tsv"), withIntermediateDirectories: true)
        assertInvalidInput(try Manifest.load(from: try manifest(folder, train: "dir.tsv")).loadDataset(), file: "manifest.yaml",
                           line: 9, field: "relations.likes.train.file", reasonContains: "dir.tsv is a folder")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, train: "none.tsv")).loadDataset(), file: "manifest.yaml",
                           line: 9, field: "relations.likes.train.file", reasonContains: "no such file")
    }

    /// Issue 15: `knn` on a modality without features named no file and no line.
    func testNearestNeighboursWithoutFeaturesNamesTheManifestLine() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.tsv", "u1\ti1\nu2\ti2\n")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, user: "user: {graph: {knn: 3}}")), file: "manifest.yaml",
                           line: 3, field: "modalities.user.graph.knn", reasonContains: "modality 'user' has none")
        // Features that give no column (no numeric, categorical or multi-label one) are none either.
        try folder.write("users.tsv", "u1\t1\nu2\t2\n")
        let url = try manifest(folder, user: "user: {features: {file: users.tsv}, graph: {knn: 1}}")
        assertInvalidInput(try Manifest.load(from: url).loadDataset(), file: "manifest.yaml", line: 3,
                           field: "modalities.user.graph.knn", reasonContains: "give no column")
        // With features it loads.
        let good = try manifest(folder, user: "user: {features: {file: users.tsv, numeric: [1]}, graph: {knn: 1}}")
        XCTAssertEqual(try Manifest.load(from: good).loadDataset().dataset.modalities[0].features?.columns, 1)
    }

    /// Issue 15: a 1 MB field was echoed in full in the error.
    func testHugeValuesAreCutInMessages() throws {
        let folder = try TemporaryFolder()
        let huge = String(repeating: "x", count: 1 << 20)
        try folder.write("train.tsv", "u1\ti1\t4\nu2\ti2\t\(huge)\n")
        let url = try folder.write("manifest.yaml", """
            name: values
            modalities: {user: {}, item: {}}
            relations:
              rating: {members: [user, item], task: regression, train: {file: train.tsv, value: 2}}
            """)
        XCTAssertThrowsError(try Manifest.load(from: url).loadDataset()) { error in
            let message = "\(error)"
            XCTAssertLessThan(message.utf8.count, 300, String(message.prefix(300)))
            XCTAssertTrue(message.hasSuffix("not a number: '\(String(repeating: "x", count: 80))…' (1048576 bytes)"), String(message.prefix(300)))
            XCTAssertTrue(message.hasPrefix("train.tsv:2: field 'column 2 (value)'"), String(message.prefix(300)))
        }
        // In the manifest: a huge value; and a huge field path (keys as written) or reason is cut too.
        try folder.write("train.tsv", "u1\ti1\n")
        let cut = HyperLearnError.invalidInput(file: "f", line: 1, field: huge, reason: huge).description
        XCTAssertTrue(cut.hasPrefix("f:1: field '\(String(repeating: "x", count: 80))…' (1048576 bytes): xxx"), String(cut.prefix(200)))
        XCTAssertTrue(cut.hasSuffix("… (1048576 bytes)"))
        XCTAssertLessThan(cut.utf8.count, 2300)
        let valueManifest = try manifest(folder, user: "user: {count: \(huge)}")
        XCTAssertThrowsError(try Manifest.load(from: valueManifest)) { error in
            XCTAssertEqual("\(error)", "\(valueManifest.path):3: field 'modalities.user.count': expected an integer, found '\(String(repeating: "x", count: 80))…' (1048576 bytes)")
        }
        XCTAssertEqual(HyperLearnError.quoted("short"), "'short'")
        XCTAssertEqual(HyperLearnError.quoted(String(repeating: "é", count: 81)), "'\(String(repeating: "é", count: 80))…' (162 bytes)")
    }

    /// Issue 15: a manifest starting with a UTF-8 byte-order mark was a YAML syntax error.
    func testManifestWithAByteOrderMarkLoads() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.tsv", "u1\ti1\n")
        let plain = try Manifest.load(from: try manifest(folder))
        let url = folder.url.appendingPathComponent("manifest.yaml")
        try Data([0xEF, 0xBB, 0xBF] + Array(try Data(contentsOf: url))).write(to: url)
        let marked = try Manifest.load(from: url)
        XCTAssertEqual(marked, plain)
        XCTAssertEqual(marked.name, "files")
        // A manifest that is not UTF-8 names the line and the byte offset.
        try folder.write("latin1.yaml", bytes: Array("name: x\nmodalities: {caf".utf8) + [0xE9] + Array(": {}}\n".utf8))
        assertInvalidInput(try Manifest.load(from: folder.url.appendingPathComponent("latin1.yaml")), file: "latin1.yaml", line: 2,
                           field: "encoding", reasonContains: "byte 0xE9 at byte offset 24 is not UTF-8")
    }

    /// Issue 15: parsing was quadratic in the number of modalities (200,000 took 53 s; the timings
    /// are in RELIABILITY.md). This checks that many modalities still parse right.
    func testManyModalitiesParse() throws {
        let count = 5000
        var text = "name: many\nmodalities:\n"
        for m in 0..<count { text += "  m\(m): {count: 2}\n" }
        text += "relations:\n"
        for r in 0..<50 { text += "  r\(r): {members: [m\(r), m\(count - 1 - r)], task: link, train: {file: t\(r % 3).npy}}\n" }
        text += "  last: {members: [m0, nope], task: link, train: {file: t.npy}}\n"
        let folder = try TemporaryFolder()
        let url = try folder.write("many.yaml", text)
        assertInvalidInput(try Manifest.load(from: url), file: "many.yaml", line: count + 54, field: "relations.last.members",
                           reasonContains: "unknown modality 'nope'; defined: m0, m1, m2")
        XCTAssertThrowsError(try Manifest.load(from: url)) { error in
            XCTAssertTrue("\(error)".hasSuffix("m19, … (5000 in all)"), "\(error)")
        }
        try folder.write("many.yaml", text.replacingOccurrences(of: "  last: {members: [m0, nope], task: link, train: {file: t.npy}}\n", with: ""))
        let manifest = try Manifest.load(from: url)
        XCTAssertEqual(manifest.modalities.count, count)
        XCTAssertEqual(manifest.modalities.last?.name, "m4999")
        XCTAssertEqual(manifest.modalities.map(\.count), [Int?](repeating: 2, count: count))
        XCTAssertEqual(manifest.relations.count, 50)
        XCTAssertEqual(manifest.relations[7].members, ["m7", "m4992"])
        XCTAssertEqual(manifest.fileReferences().map(\.path), ["t0.npy", "t1.npy", "t2.npy"])
    }
}
