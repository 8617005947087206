import Foundation
import XCTest

/// Runs the built `hyperlearn` executable and gives its status and output.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable, next to the test bundle in the build products folder.
    static let executable = product("hyperlearn")
    /// The benchmark harness that `make bench` runs.
    static let benchmarkHarness = product("HyperLearnBench")

    static func product(_ name: String) -> URL {
        var folder = Bundle.module.bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// The fixtures folder (copied into the test bundle).
    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    static var tiny: URL { fixtures.appendingPathComponent("tiny") }

    @discardableResult
    static func run(_ arguments: [String], executable: URL = executable, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw XCTSkip("\(executable.lastPathComponent) is not built at \(executable.path); run `swift build` first")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes while the process runs, so a full pipe cannot block it.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary folder, removed at the end of the test.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A copy of the tiny fixture in a fresh folder (to damage).
    static func tinyCopy(_ test: XCTestCase) throws -> URL {
        let url = try temporaryFolder(test).appendingPathComponent("tiny")
        try FileManager.default.copyItem(at: tiny, to: url)
        return url
    }

    /// The training arguments the tests use (small and quick).
    static func trainArguments(_ manifest: URL, out: URL) -> [String] {
        ["train", manifest.path, "--config", tiny.appendingPathComponent("config.yaml").path, "--out", out.path, "--quiet"]
    }

    static func json(_ url: URL) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
}

extension String {
    /// Replaces `old` by `new` in the file at `url` (which must contain it).
    static func edit(_ url: URL, replacing old: String, with new: String) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard text.contains(old) else { throw XCTSkip("fixture changed: '\(old)' not in \(url.lastPathComponent)") }
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }
}
