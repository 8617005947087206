import Foundation
import HyperLearn
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The second hardening pass of issue 15, end to end through the built binary: files that are not
/// regular files, line ends, byte-order marks, `knn` without features, read-only and full output
/// folders, limits checked before the run folder exists, and huge values cut in messages.
final class CLIHardeningTests: XCTestCase {
    func manifest(_ copy: URL) -> URL { copy.appendingPathComponent("manifest.yaml") }

    /// Trains on a damaged copy of the tiny fixture: exit 2, stderr names `file` and `field`, no folder.
    @discardableResult
    func assertTrainFails(file: String, field: String, extra: [String] = [], damage: (URL) throws -> Void,
                          line: UInt = #line) throws -> String {
        let copy = try CLI.tinyCopy(self)
        try damage(copy)
        let out = copy.deletingLastPathComponent().appendingPathComponent("out")
        let result = try CLI.run(CLI.trainArguments(manifest(copy), out: out) + extra)
        XCTAssertEqual(result.status, 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.contains(file), "stderr should name \(file): \(result.stderr)", line: line)
        XCTAssertTrue(result.stderr.contains(field), "stderr should name \(field): \(result.stderr)", line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error") || result.stderr.contains("NSCocoaErrorDomain"), result.stderr, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no output folder on bad input", line: line)
        return result.stderr
    }

    func makeFIFO(_ url: URL) throws {
        try? FileManager.default.removeItem(at: url)
        guard mkfifo(url.path, 0o644) == 0 else { throw XCTSkip("mkfifo failed: \(String(cString: strerror(errno)))") }
    }

    /// Issue 15: a FIFO named as a data file blocked `train` forever.
    func testFIFOAsDataFileIsRefused() throws {
        let stderr = try assertTrainFails(file: "manifest.yaml:14", field: "relations.rating.train.file") { copy in
            try self.makeFIFO(copy.appendingPathComponent("rating.train.tsv"))
        }
        XCTAssertTrue(stderr.contains("rating.train.tsv is a FIFO (named pipe), not a regular file"), stderr)
        // And as the --config file.
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("config.yaml")
        try makeFIFO(config)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["train", manifest(CLI.tiny).path, "--config", config.path, "--out", out.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: \(config.path): field 'config': \(config.path) is a FIFO (named pipe), not a regular file; name a regular file\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// A FIFO in place of a run's checkpoint or of a file of its model archive would block `train
    /// --resume`, `predict` and `evaluate`.
    func testFIFOInARunFolderIsRefused() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out) + ["--stop-after-epochs", "1"]).status, 137)
        let checkpoint = out.appendingPathComponent("checkpoint.bin")
        try makeFIFO(checkpoint)
        let resumed = try CLI.run(["train", "--out", out.path, "--resume", "--quiet"])
        XCTAssertEqual(resumed.status, 2, resumed.stderr)
        XCTAssertEqual(resumed.stderr, "error: \(checkpoint.path): field 'checkpoint': \(checkpoint.path) is a FIFO (named pipe), not a regular file; name a regular file\n")

        let finished = try CLI.temporaryFolder(self).appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: finished) + ["--epochs", "1"]).status, 0)
        let archive = finished.appendingPathComponent("model")
        let member = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: archive.path).sorted().first)
        try makeFIFO(archive.appendingPathComponent(member))
        let evaluated = try CLI.run(["evaluate", finished.path])
        XCTAssertEqual(evaluated.status, 2, evaluated.stderr)
        XCTAssertTrue(evaluated.stderr.contains("model/\(member): field 'model'") && evaluated.stderr.contains("is a FIFO"), evaluated.stderr)
    }

    /// Issue 15: `/dev/zero` as a features file said "You don't have permission".
    func testDeviceAsFeaturesFileSaysWhatItIs() throws {
        let stderr = try assertTrainFails(file: "manifest.yaml:5", field: "modalities.user.features.file") { copy in
            try String.edit(self.manifest(copy), replacing: "file: users.tsv", with: "file: /dev/zero")
        }
        XCTAssertTrue(stderr.contains("/dev/zero is a character device, not a regular file"), stderr)
        XCTAssertFalse(stderr.lowercased().contains("permission"), stderr)
    }

    /// Issue 15: `knn` on a modality without features named no file and no line.
    func testNearestNeighboursWithoutFeaturesNamesTheManifestLine() throws {
        let stderr = try assertTrainFails(file: "manifest.yaml:5", field: "modalities.user.graph.knn") { copy in
            try String.edit(self.manifest(copy), replacing: "    features: {file: users.tsv, id: 0, numeric: [1], categorical: [2]}\n", with: "")
        }
        XCTAssertTrue(stderr.contains("modality 'user' has none"), stderr)
    }

    /// Issue 15: a 1 MB field was echoed in full.
    func testHugeFieldIsCutInTheMessage() throws {
        let stderr = try assertTrainFails(file: "rating.train.tsv:3", field: "column 2 (value)") { copy in
            let url = copy.appendingPathComponent("rating.train.tsv")
            var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
            var fields = lines[2].components(separatedBy: "\t")
            fields[2] = String(repeating: "9x", count: 1 << 19)
            lines[2] = fields.joined(separator: "\t")
            try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        }
        XCTAssertLessThan(stderr.utf8.count, 400, String(stderr.prefix(400)))
        XCTAssertTrue(stderr.hasSuffix("…' (1048576 bytes)\n"), String(stderr.prefix(400)))
    }

    /// Issue 15 asks that CR-only files be read as lines: the first pass refused them. The dataset
    /// `info` reports is the same with LF, CR and CRLF line ends, and with byte-order marks on the
    /// manifest (a YAML syntax error before) and the data files.
    func testLineEndsAndByteOrderMarksGiveTheSameDataset() throws {
        func info(_ copy: URL) throws -> [String: Any] {
            let result = try CLI.run(["info", manifest(copy).path, "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            var report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            report["files"] = nil
            return report
        }
        let expected = try info(CLI.tiny)
        XCTAssertFalse(expected.isEmpty)
        for (name, lineEnd, bom) in [("cr", "\r", false), ("crlf", "\r\n", false), ("bom", "\n", true)] {
            let copy = try CLI.tinyCopy(self)
            for file in try FileManager.default.contentsOfDirectory(atPath: copy.path) where file.hasSuffix(".tsv") || file == "manifest.yaml" {
                let url = copy.appendingPathComponent(file)
                let text = try String(contentsOf: url, encoding: .utf8)
                var bytes = Array((file.hasSuffix(".tsv") ? text.replacingOccurrences(of: "\n", with: lineEnd) : text).utf8)
                if bom { bytes = [0xEF, 0xBB, 0xBF] + bytes }
                try Data(bytes).write(to: url)
            }
            XCTAssertEqual(NSDictionary(dictionary: try info(copy)), NSDictionary(dictionary: expected), name)
        }
    }

    /// Issue 15: a config.yaml starting with a byte-order mark trains like one without.
    func testConfigFileWithAByteOrderMarkIsRead() throws {
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("config.yaml")
        try Data([0xEF, 0xBB, 0xBF] + Array(try Data(contentsOf: CLI.tiny.appendingPathComponent("config.yaml")))).write(to: config)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["train", manifest(CLI.tiny).path, "--config", config.path, "--out", out.path, "--quiet", "--epochs", "1"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(try String(contentsOf: out.appendingPathComponent("config.yaml"), encoding: .utf8).contains("dimensions: 8\n"))
    }

    /// Issue 15: `--dim 100000` died after the run folder was created; `--threads 100000` hung.
    func testSettingsAboveTheLimitsLeaveNoFolder() throws {
        for (flag, value, message) in [("--dim", "100000", "--dim must be in 1...4096, got 100000"),
                                       ("--threads", "100000", "--threads must be in 0...1024, got 100000")] {
            let out = try CLI.temporaryFolder(self).appendingPathComponent("out")
            let result = try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out) + [flag, value])
            XCTAssertEqual(result.status, 2, result.stderr)
            XCTAssertTrue(result.stderr.contains(message), result.stderr)
            XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(flag): the folder must not exist")
        }
        // The same settings from a --config file.
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("big.yaml")
        try "dimensions: 100000\n".write(to: config, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["train", manifest(CLI.tiny).path, "--config", config.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("big.yaml:1: field 'dimensions'"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// Issue 15: a read-only `--out` printed a raw `NSCocoaErrorDomain Code=642` dump.
    func testReadOnlyOutNamesTheFolderAndTheReason() throws {
        let readOnly = try mountTemporaryFileSystem(self, options: "ro,size=1m")
        let out = readOnly.appendingPathComponent("runs/first")
        let result = try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out))
        XCTAssertEqual(result.status, 2)
        XCTAssertEqual(result.stderr, "error: cannot create \(readOnly.path)/runs for the run folder \(out.path): Read-only file system\n")
        // The folder itself exists but cannot be written.
        let existing = try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: readOnly))
        XCTAssertEqual(existing.status, 2)
        XCTAssertTrue(existing.stderr.hasPrefix("error: ") && existing.stderr.contains(readOnly.path)
                      && existing.stderr.contains("Read-only file system"), existing.stderr)
        XCTAssertFalse(existing.stderr.contains("NSCocoaErrorDomain") || existing.stderr.contains("Code="), existing.stderr)
        XCTAssertEqual(existing.stderr.split(separator: "\n").count, 1, existing.stderr)
    }

    /// Issue 15: a full disk left the writer's partial temporary file behind, and the failed new run
    /// its folder.
    func testFullDiskLeavesNoTemporaryAndNoFolder() throws {
        let disk = try mountTemporaryFileSystem(self, options: "size=64k")
        let out = disk.appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out) + ["--epochs", "1", "--dim", "256"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("No space left on device"), result.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), [])
    }

    /// Issue 15: `kill -9` during training left orphan checkpoint temporaries that nothing removed; a
    /// run that replaces the killed one (`--force`) removes them, as `--resume` does
    /// (`CLIRunFolderTests.testStaleTemporariesOfAKilledRunAreRemovedOnResume`).
    func testStaleCheckpointTemporariesOfAKilledRunAreRemovedByForce() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out) + ["--stop-after-epochs", "1"]).status, 137)
        let stale = out.appendingPathComponent(".checkpoint.bin.0A1B2C3D-0000-4000-8000-000000000000.tmp")
        try Data(repeating: 1, count: 4096).write(to: stale)
        let result = try CLI.run(CLI.trainArguments(manifest(CLI.tiny), out: out) + ["--epochs", "1", "--force"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path)
        XCTAssertFalse(left.contains { $0.hasSuffix(".tmp") || $0.contains(".tmp-") }, "\(left)")
        XCTAssertTrue(left.contains("metrics.json"))
    }
}

/// A small file system of its own (`mount -t tmpfs`, which needs root), unmounted at the end; the
/// test skips with the reason when it cannot be mounted.
func mountTemporaryFileSystem(_ test: XCTestCase, options: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-tmpfs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    func run(_ command: String) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return (-1, "cannot run /bin/sh") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
    let mounted = run("mount -t tmpfs -o \(options) tmpfs '\(folder.path)'")
    guard mounted.status == 0 else {
        try? FileManager.default.removeItem(at: folder)
        throw XCTSkip("cannot mount a tmpfs (needs root): \(mounted.output)")
    }
    test.addTeardownBlock {
        _ = run("umount '\(folder.path)'")
        try? FileManager.default.removeItem(at: folder)
    }
    return folder
}
