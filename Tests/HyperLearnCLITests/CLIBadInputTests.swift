import HyperLearn
import XCTest

/// Every bad input: exit status 2, one message on stderr naming the file and the field, no stack
/// trace, and no output folder (or the earlier run untouched).
final class CLIBadInputTests: XCTestCase {
    /// Trains on a damaged copy of the tiny fixture and checks the failure.
    func assertTrainFails(file: String, field: String, damage: (URL) throws -> Void,
                          line: UInt = #line) throws {
        let copy = try CLI.tinyCopy(self)
        try damage(copy)
        let out = copy.deletingLastPathComponent().appendingPathComponent("out")
        let result = try CLI.run(CLI.trainArguments(copy.appendingPathComponent("manifest.yaml"), out: out))
        XCTAssertEqual(result.status, 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.contains(file), "stderr should name \(file): \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.contains(field), "stderr should name \(field): \(result.stderr)", line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("Stack dump"), result.stderr, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no output folder on bad input", line: line)
    }

    func manifest(_ copy: URL) -> URL { copy.appendingPathComponent("manifest.yaml") }

    func testMissingDataFile() throws {
        try assertTrainFails(file: "manifest.yaml:20", field: "relations.tagging.test.file") { copy in
            try FileManager.default.removeItem(at: copy.appendingPathComponent("tag.test.tsv"))
        }
    }

    func testMissingManifest() throws {
        let folder = try CLI.temporaryFolder(self)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["train", folder.appendingPathComponent("nothing.yaml").path, "--out", out.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("nothing.yaml") && result.stderr.contains("'manifest'"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testUnknownManifestKey() throws {
        try assertTrainFails(file: "manifest.yaml:8", field: "modalities.item.grahp") { copy in
            try String.edit(self.manifest(copy), replacing: "    graph: {cooccurrence: 3}", with: "    grahp: {cooccurrence: 3}")
        }
    }

    func testWrongType() throws {
        try assertTrainFails(file: "manifest.yaml:14", field: "relations.rating.train.value") { copy in
            try String.edit(self.manifest(copy), replacing: "columns: [0, 1], value: 2}\n    test", with: "columns: [0, 1], value: [2]}\n    test")
        }
    }

    func testUnknownModalityInMembers() throws {
        try assertTrainFails(file: "manifest.yaml", field: "relations.rating.members") { copy in
            try String.edit(self.manifest(copy), replacing: "members: [user, item]", with: "members: [user, film]")
        }
    }

    func testDuplicateNames() throws {
        try assertTrainFails(file: "manifest.yaml", field: "item") { copy in
            try String.edit(self.manifest(copy), replacing: "  tag: {}", with: "  item: {}")
        }
    }

    func testNonNumericValue() throws {
        try assertTrainFails(file: "rating.train.tsv:3", field: "column 2") { copy in
            try self.replaceValue(in: copy.appendingPathComponent("rating.train.tsv"), line: 3, with: "x")
        }
    }

    func testNaNValue() throws {
        try assertTrainFails(file: "rating.train.tsv:5", field: "column 2") { copy in
            try self.replaceValue(in: copy.appendingPathComponent("rating.train.tsv"), line: 5, with: "nan")
        }
    }

    func testShortRow() throws {
        try assertTrainFails(file: "tag.train.tsv:2", field: "column") { copy in
            let url = copy.appendingPathComponent("tag.train.tsv")
            var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
            lines[1] = lines[1].components(separatedBy: "\t").prefix(2).joined(separator: "\t")
            try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func testEmptyTrainingSet() throws {
        try assertTrainFails(file: "tag.train.tsv", field: "relations.tagging.train") { copy in
            try "".write(to: copy.appendingPathComponent("tag.train.tsv"), atomically: true, encoding: .utf8)
        }
    }

    func testRelationWithOneMember() throws {
        try assertTrainFails(file: "manifest.yaml", field: "relations.rating.members") { copy in
            try String.edit(self.manifest(copy), replacing: "members: [user, item]", with: "members: [user]")
            try String.edit(self.manifest(copy), replacing: "columns: [0, 1], value: 2}", with: "value: 2}")
        }
    }

    func testIndexOutOfRangeInNPY() throws {
        try assertTrainFails(file: "edges.npz", field: "train_data") { copy in
            try self.writeArrayDataset(copy, members: [0, 1, 1, 7])
        }
    }

    func testTruncatedNPZ() throws {
        try assertTrainFails(file: "edges.npz", field: "train_data") { copy in
            try self.writeArrayDataset(copy, members: [0, 1, 1, 0])
            let url = copy.appendingPathComponent("edges.npz")
            let data = try Data(contentsOf: url)
            try data.prefix(data.count / 2).write(to: url)
        }
    }

    func testNonZipNPZ() throws {
        try assertTrainFails(file: "edges.npz", field: "train_data") { copy in
            try self.writeArrayDataset(copy, members: [0, 1, 1, 0])
            try Data("this is not a zip archive".utf8).write(to: copy.appendingPathComponent("edges.npz"))
        }
    }

    func testUnknownConfigKey() throws {
        let copy = try CLI.tinyCopy(self)
        let config = copy.appendingPathComponent("config.yaml")
        try String.edit(config, replacing: "epochs: 6", with: "epocs: 6")
        let out = copy.appendingPathComponent("out")
        let result = try CLI.run(["train", manifest(copy).path, "--config", config.path, "--out", out.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("config.yaml:5") && result.stderr.contains("epocs"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    func testExistingRunIsNotOverwritten() throws {
        let copy = try CLI.tinyCopy(self)
        let out = copy.appendingPathComponent("out")
        var arguments = CLI.trainArguments(manifest(copy), out: out)
        arguments += ["--epochs", "1"]
        XCTAssertEqual(try CLI.run(arguments).status, 0)
        let before = try ["metrics.json", "checkpoint.bin", "config.yaml"].map { try Data(contentsOf: out.appendingPathComponent($0)) }
        let again = try CLI.run(arguments)
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains(out.path) && again.stderr.contains("--resume"), again.stderr)
        let after = try ["metrics.json", "checkpoint.bin", "config.yaml"].map { try Data(contentsOf: out.appendingPathComponent($0)) }
        XCTAssertEqual(before, after)
    }

    /// Issue 15: names become file names; `../` in one used to put embeddings outside --out.
    func testPathLikeModalityNameIsRefused() throws {
        try assertTrainFails(file: "manifest.yaml:9", field: "modalities.../../evil") { copy in
            try String.edit(self.manifest(copy), replacing: "  tag: {}", with: "  ../../evil: {}")
            try String.edit(self.manifest(copy), replacing: "members: [user, item, tag]", with: "members: [user, item, ../../evil]")
        }
    }

    func testNonUTF8BytesAreRefused() throws {
        try assertTrainFails(file: "rating.train.tsv:2", field: "encoding") { copy in
            let url = copy.appendingPathComponent("rating.train.tsv")
            var bytes = [UInt8](try Data(contentsOf: url))
            let secondLine = bytes.firstIndex(of: 0x0A)! + 1
            bytes[secondLine + 1] = 0xE9  // Latin-1 'é' in a UTF-8 file
            try Data(bytes).write(to: url)
        }
    }

    /// A value that squares to infinity used to fail only once training had created the folder.
    func testHugeRegressionValueIsRefusedBeforeTheFolderExists() throws {
        try assertTrainFails(file: "rating.train.tsv:3", field: "column 2 (value)") { copy in
            try self.replaceValue(in: copy.appendingPathComponent("rating.train.tsv"), line: 3, with: "1e30")
        }
    }

    func testCUDAUnavailable() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("out")
        let result = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out) + ["--device", "cuda"])
        if result.status == 0 { throw XCTSkip("a CUDA device is present: \(result.stderr)") }
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--device cuda:0: no usable CUDA device: "), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// Every setting runs on every device: the tuple decoder and smoothness no longer stop a CUDA run
    /// before the device is opened (without a GPU, the device's absence is what the user reads).
    func testCUDAWithTupleAndSmoothnessReachesTheDevice() throws {
        guard (try? CUDABackend(device: 0)) == nil else { throw XCTSkip("a CUDA device is present: the run would train") }
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("tuple.yaml")
        try "decoder: tuple\nsmoothness: 0.1\n".write(to: config, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["train", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--config", config.path,
                                  "--out", out.path, "--quiet", "--device", "cuda:0"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--device cuda:0: no usable CUDA device"), result.stderr)
        XCTAssertFalse(result.stderr.contains("does not support"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// `--devices` needs one device per shard, and is checked before any device is opened.
    func testDevicesMustMatchShards() throws {
        let folder = try CLI.temporaryFolder(self)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out)
                                 + ["--devices", "0,1", "--shards", "3"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--devices 0,1: 2 CUDA device(s) [0, 1] for"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        let bad = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out) + ["--devices", "0,x"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("--devices takes comma-separated CUDA device numbers"), bad.stderr)
    }

    func testResumeWithoutCheckpoint() throws {
        let out = try CLI.temporaryFolder(self)
        let result = try CLI.run(["train", "--out", out.path, "--resume"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("checkpoint.bin"), result.stderr)
    }

    func testUnknownFlagExitsWithTwo() throws {
        let result = try CLI.run(["train", "--epochz", "3"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--epochz"), result.stderr)
    }

    // MARK: Helpers

    func replaceValue(in url: URL, line: Int, with value: String) throws {
        var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
        var fields = lines[line - 1].components(separatedBy: "\t")
        fields[2] = value
        lines[line - 1] = fields.joined(separator: "\t")
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// Replaces the fixture by a two-modality array dataset (`count: 3` each) whose hyperedges are `members`.
    func writeArrayDataset(_ copy: URL, members: [Int64]) throws {
        let array = try NPYArray(shape: [members.count / 2, 2], int64: members)
        try NPZWriter.write([("train_data", array)], to: copy.appendingPathComponent("edges.npz"))
        try """
            name: arrays
            modalities:
              a: {count: 3}
              b: {count: 3}
            relations:
              pair:
                members: [a, b]
                task: link
                train: {file: edges.npz, array: train_data}

            """.write(to: manifest(copy), atomically: true, encoding: .utf8)
    }
}
