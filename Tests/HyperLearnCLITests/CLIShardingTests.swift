@testable import HyperLearn
import Foundation
import XCTest

/// `hyperlearn train --shards N` and `--distributed mpi` give the single-process results.
final class CLIShardingTests: XCTestCase {
    /// Trains the tiny fixture (3 modalities) with `extra` arguments, optionally under a launcher.
    func train(_ extra: [String], launcher: [String] = []) throws -> URL {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let arguments = CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out) + extra
        let result = try launcher.isEmpty ? CLI.run(arguments) : Self.runProcess(launcher + [CLI.executable.path] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    /// Same metrics, history and embeddings (1e-5 relative).
    func assertSameRun(_ run: URL, _ reference: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let metrics = try CLI.json(run.appendingPathComponent("metrics.json"))
        let expected = try CLI.json(reference.appendingPathComponent("metrics.json"))
        XCTAssertEqual(metrics["epochs"] as? Int, expected["epochs"] as? Int, file: file, line: line)
        XCTAssertEqual(metrics["best_epoch"] as? Int, expected["best_epoch"] as? Int, file: file, line: line)
        XCTAssertEqual(metrics["exchange_bytes_per_step"] as? [String: Int], expected["exchange_bytes_per_step"] as? [String: Int],
                       file: file, line: line)
        let relations = try XCTUnwrap(metrics["relations"] as? [String: [String: [String: Double]]])
        let expectedRelations = try XCTUnwrap(expected["relations"] as? [String: [String: [String: Double]]])
        XCTAssertEqual(Set(relations.keys), Set(expectedRelations.keys), file: file, line: line)
        for (relation, splits) in expectedRelations {
            for (split, values) in splits {
                for (key, value) in values {
                    let actual = try XCTUnwrap(relations[relation]?[split]?[key], "\(relation).\(split).\(key)", file: file, line: line)
                    XCTAssertEqual(actual, value, accuracy: 1e-5 * max(abs(value), 1e-3), "\(relation).\(split).\(key)", file: file, line: line)
                }
            }
        }
        for name in ["user", "item", "tag"] {
            let z = try NPYArray.read(contentsOf: run.appendingPathComponent("embeddings/\(name).npy"))
            let reference = try NPYArray.read(contentsOf: reference.appendingPathComponent("embeddings/\(name).npy"))
            XCTAssertEqual(z.shape, reference.shape, file: file, line: line)
            for (a, e) in zip(Self.floats(z), Self.floats(reference)) where !(abs(a - e) <= 1e-6 + 1e-5 * abs(e)) {
                XCTFail("\(name) embeddings differ: \(a) vs \(e)", file: file, line: line)
                break
            }
        }
    }

    func testShardedTrainingMatchesTheSingleShardRun() throws {
        let single = try train([])
        try assertSameRun(try train(["--shards", "3"]), single)
        try assertSameRun(try train(["--shard-map", "1,0,1"]), single)
    }

    /// Issue 13: a sharded run killed after a checkpoint and resumed reports the exchange volume (and
    /// everything else) of the uninterrupted run.
    func testResumedShardedRunMatchesTheUninterruptedOne() throws {
        let straight = try train(["--shards", "3"])
        let resumed = try CLI.temporaryFolder(self).appendingPathComponent("resumed")
        let killed = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: resumed)
                                 + ["--shards", "3", "--stop-after-epochs", "2"])
        XCTAssertEqual(killed.status, 137, killed.stderr)
        let result = try CLI.run(["train", "--out", resumed.path, "--resume", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try CLI.json(resumed.appendingPathComponent("metrics.json"))["exchange_bytes_per_step"] as? [String: Int]
        XCTAssertGreaterThan(rows?["rows"] ?? 0, 0)
        try assertSameRun(resumed, straight)
    }

    func testBadShardSettingsAreRejected() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let arguments = CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out)
        XCTAssertNotEqual(try CLI.run(arguments + ["--shards", "0"]).status, 0)
        let gap = try CLI.run(arguments + ["--shard-map", "0,2,0"])
        XCTAssertNotEqual(gap.status, 0)
        XCTAssertTrue(gap.stderr.contains("own no modality"), gap.stderr)
    }

    /// Sampled mini-batches: each shard samples its own modalities' neighbourhoods, so the numbers do not
    /// change with the sharding.
    func testShardedSampledTrainingMatchesTheSingleShardRun() throws {
        let sampled = ["--fanouts", "2", "--batch-size", "16"]
        try assertSameRun(try train(sampled + ["--shards", "3"]), try train(sampled))
    }

    #if MPI
    /// Three MPI ranks, each sampling its own modality, match the single-process sampled run.
    func testThreeMPIRanksWithSampledMiniBatchesMatchTheSingleProcessRun() throws {
        guard let mpirun = Self.which("mpirun") else { throw XCTSkip("mpirun not found (apt-get install openmpi-bin)") }
        let sampled = ["--fanouts", "2", "--batch-size", "16"]
        let distributed = try train(sampled + ["--distributed", "mpi"],
                                    launcher: [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "3"])
        try assertSameRun(distributed, try train(sampled))
    }

    /// Three MPI ranks on localhost, one per modality, match the single-process run.
    func testThreeMPIRanksMatchTheSingleProcessRun() throws {
        guard let mpirun = Self.which("mpirun") else { throw XCTSkip("mpirun not found (apt-get install openmpi-bin)") }
        let single = try train([])
        let distributed = try train(["--distributed", "mpi"],
                                    launcher: [mpirun, "--allow-run-as-root", "--oversubscribe", "-np", "3"])
        try assertSameRun(distributed, single)
        let metrics = try CLI.json(distributed.appendingPathComponent("metrics.json"))
        XCTAssertEqual(metrics["shards"] as? Int, 3)
    }
    #else
    func testDistributedMPIWithoutTheTraitSaysHowToBuildIt() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out)
                                 + ["--distributed", "mpi"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--traits MPI"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no run folder on a setup error")
    }
    #endif

    /// The values of a little-endian float32 array.
    static func floats(_ array: NPYArray) -> [Float] {
        array.data.withUnsafeBytes { bytes in
            (0..<array.count).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    static func which(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func runProcess(_ command: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, stdout: "", stderr: String(decoding: errData, as: UTF8.self))
    }
}
