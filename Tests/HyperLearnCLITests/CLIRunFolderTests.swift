import Foundation
import HyperLearn
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The run folder belongs to one `train` at a time, is replaced only on request, and is never left
/// half-written: failed new runs leave nothing, killed ones leave a resumable checkpoint whose stale
/// temporary files the next run removes.
final class CLIRunFolderTests: XCTestCase {
    var manifest: URL { CLI.tiny.appendingPathComponent("manifest.yaml") }

    /// Trains one epoch of the tiny fixture into `out` and checks that it finished.
    func trainOneEpoch(into out: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try CLI.run(CLI.trainArguments(manifest, out: out) + ["--epochs", "1"])
        XCTAssertEqual(result.status, 0, result.stderr, file: file, line: line)
    }

    func testSecondTrainOnALockedFolderExitsTwoNamingTheHolder() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // Stand in for a running `train`: hold the lock with a recognisable PID in the file.
        let lockPath = out.appendingPathComponent(".lock").path
        try "424242\n".write(toFile: lockPath, atomically: false, encoding: .utf8)
        let fd = open(lockPath, O_RDWR)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)

        let result = try CLI.run(CLI.trainArguments(manifest, out: out))
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(out.path) is in use by another `hyperlearn train` (PID 424242)"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("config.yaml").path))

        // Released (as when the holder exits, even by kill -9): the run goes ahead.
        XCTAssertEqual(flock(fd, LOCK_UN), 0)
        try trainOneEpoch(into: out)
    }

    func testForceReplacesAFinishedRun() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        try trainOneEpoch(into: out)
        XCTAssertEqual(try CLI.run(["export", out.path, "--format", "tsv"]).status, 0)
        XCTAssertEqual(try CLI.run(CLI.trainArguments(manifest, out: out) + ["--epochs", "2"]).status, 2)
        let forced = try CLI.run(CLI.trainArguments(manifest, out: out) + ["--epochs", "2", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try CLI.json(out.appendingPathComponent("metrics.json"))["epochs"] as? Int, 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("export").path),
                       "the old run's exports go with it")
        XCTAssertNotEqual(try CLI.run(["train", "--out", out.path, "--resume", "--force"]).status, 0)
    }

    func testStaleTemporariesOfAKilledRunAreRemovedOnResume() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(CLI.trainArguments(manifest, out: out) + ["--stop-after-epochs", "2"]).status, 137)
        // What a kill during a write leaves: a temporary checkpoint and a half-staged embeddings folder.
        let staleFile = out.appendingPathComponent(".checkpoint.bin.5D1B0C4E.tmp")
        let staleFolder = out.appendingPathComponent(".embeddings.tmp-99999")
        try Data("half".utf8).write(to: staleFile)
        try FileManager.default.createDirectory(at: staleFolder, withIntermediateDirectories: true)
        try Data("half".utf8).write(to: staleFolder.appendingPathComponent("user.npy"))

        let result = try CLI.run(["train", "--out", out.path, "--resume", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(left, [".lock", "checkpoint.bin", "config.yaml", "embeddings", "history.json", "metrics.json",
                              "model", "model.json", "training-curve.svg"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("embeddings").path).sorted(),
                       ["item.ids.txt", "item.npy", "tag.ids.txt", "tag.npy", "user.ids.txt", "user.npy"])
    }

    /// A run that fails after its folder was created (here: the loss diverges) takes the folder with it.
    func testFailedNewRunLeavesNoFolder() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(manifest, out: out) + ["--lr", "1e30"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("training loss became"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
    }

    /// A hand-edited model.json cannot make `export` write outside its output folder.
    func testExportRefusesPathLikeNamesInModelJSON() throws {
        let folder = try CLI.temporaryFolder(self)
        let out = folder.appendingPathComponent("run")
        try trainOneEpoch(into: out)
        try String.edit(out.appendingPathComponent("model.json"), replacing: "\"name\" : \"tag\"", with: "\"name\" : \"..\\/..\\/evil\"")
        let result = try CLI.run(["export", out.path, "--format", "tsv", "--to", folder.appendingPathComponent("x/y").path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("model.json: field 'modalities[2].name'") && result.stderr.contains("not a plain name"),
                      result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("evil.tsv").path))
    }

    func testExportStagesItsFilesAndLeavesNoTemporaries() throws {
        let folder = try CLI.temporaryFolder(self)
        let out = folder.appendingPathComponent("run")
        try trainOneEpoch(into: out)
        let target = folder.appendingPathComponent("exported")
        for _ in 0..<2 {  // the second export replaces the first's files in place
            XCTAssertEqual(try CLI.run(["export", out.path, "--format", "npy", "--to", target.path]).status, 0)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.path).sorted(),
                       ["item.ids.txt", "item.npy", "tag.ids.txt", "tag.npy", "user.ids.txt", "user.npy"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["exported", "run"])
    }
}
