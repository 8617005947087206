@testable import HyperLearn
import XCTest

final class AtomicFileIOTests: XCTestCase {
    func testWritesAndReplacesWithoutLeavingTemporaries() throws {
        let folder = try TemporaryFolder()
        let target = folder.url.appendingPathComponent("out.tsv")
        try AtomicFile.write("first\n", to: target)
        try AtomicFile.write("second\n", to: target)
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "second\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["out.tsv"])
    }

    /// A file written piece by piece: the pieces in order, then renamed over the old file.
    func testStreamedPiecesReplaceTheFile() throws {
        let folder = try TemporaryFolder()
        let target = folder.url.appendingPathComponent("state.bin")
        try AtomicFile.write("old\n", to: target)
        let values: [Float] = [1, -2.5, 3e7]
        try AtomicFile.write(to: target) { file in
            try file.write(Data("head".utf8))
            try values.withUnsafeBytes { try file.write($0) }
        }
        var expected = Data("head".utf8)
        values.withUnsafeBytes { expected.append(contentsOf: $0) }
        XCTAssertEqual(try Data(contentsOf: target), expected)
        XCTAssertEqual(expected.count, 4 + 12)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["state.bin"])
    }

    /// A piece that fails part way: the old file stays, and the temporary file is gone.
    func testStreamedWriteThatThrowsLeavesTheOldFile() throws {
        let folder = try TemporaryFolder()
        let target = folder.url.appendingPathComponent("state.bin")
        try AtomicFile.write("old\n", to: target)
        XCTAssertThrowsError(try AtomicFile.write(to: target) { file in
            try file.write(Data("partial".utf8))
            throw HyperLearnError.invalidArgument("stopped part way")
        }) { error in
            guard case let HyperLearnError.invalidArgument(message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(message, "stopped part way")
        }
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["state.bin"])
        XCTAssertThrowsError(try AtomicFile.write(to: folder.url.appendingPathComponent("missing/x.bin")) { _ in }) { error in
            guard case let HyperLearnError.io(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(path.hasSuffix("missing/x.bin"), path)
            XCTAssertTrue(reason.contains("cannot create"), reason)
        }
    }

    func testMissingFolderIsAnIOError() {
        let target = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/out.tsv")
        XCTAssertThrowsError(try AtomicFile.write("x", to: target)) { error in
            guard case HyperLearnError.io = error else { return XCTFail("\(error)") }
        }
    }
}

/// A small file system of its own (`mount -t tmpfs`, which needs root), unmounted at the end; the
/// test skips with the reason when it cannot be mounted.
func mountTemporaryFileSystem(_ test: XCTestCase, options: String) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-tmpfs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", arguments.joined(separator: " ") + " 2>&1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return (-1, "cannot run /bin/sh") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
    let mounted = run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", folder.path])
    guard mounted.status == 0 else {
        try? FileManager.default.removeItem(at: folder)
        throw XCTSkip("cannot mount a tmpfs (needs root): \(mounted.output)")
    }
    test.addTeardownBlock {
        _ = run(["umount", folder.path])
        try? FileManager.default.removeItem(at: folder)
    }
    return folder
}

final class FullDiskIOTests: XCTestCase {
    /// Issue 15: with the disk full, the writer used to leave its partial temporary file behind.
    func testFullDiskLeavesNoPartialTemporaryFile() throws {
        let disk = try mountTemporaryFileSystem(self, options: "size=1m")
        let target = disk.appendingPathComponent("checkpoint.bin")
        try AtomicFile.write(Data("old\n".utf8), to: target)
        XCTAssertThrowsError(try AtomicFile.write(Data(repeating: 7, count: 3 << 20), to: target)) { error in
            guard case let HyperLearnError.io(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
            XCTAssertTrue(reason.contains("No space left on device"), reason)
        }
        // The old file is intact and nothing else is there.
        XCTAssertEqual(try Data(contentsOf: target), Data("old\n".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), ["checkpoint.bin"])
        // The same, written piece by piece (how checkpoints are written).
        let block = [UInt8](repeating: 7, count: 1 << 20)
        XCTAssertThrowsError(try AtomicFile.write(to: target) { file in
            for _ in 0..<3 { try block.withUnsafeBytes { try file.write($0) } }
        }) { error in
            guard case let HyperLearnError.io(path, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, target.path)
            XCTAssertTrue(reason.contains("No space left on device"), reason)
        }
        XCTAssertEqual(try Data(contentsOf: target), Data("old\n".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: disk.path), ["checkpoint.bin"])
    }
}
