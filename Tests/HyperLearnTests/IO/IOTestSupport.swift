@testable import HyperLearn
import Foundation
import XCTest

/// A fresh temporary folder per test, removed afterwards.
final class TemporaryFolder {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> URL {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}

/// The shared benchmark data folder (`../shared/data` next to the package), or nil.
func sharedDataFolder() -> URL? {
    var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while folder.path != "/" {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            let data = folder.deletingLastPathComponent().appendingPathComponent("shared/data")
            return FileManager.default.fileExists(atPath: data.path) ? data : nil
        }
        folder = folder.deletingLastPathComponent()
    }
    return nil
}

/// Asserts that `body` throws `invalidInput` with the given file (suffix), line and field.
func assertInvalidInput<T>(_ body: @autoclosure () throws -> T, file expectedFile: String, line expectedLine: Int?,
                           field expectedField: String, reasonContains: String? = nil,
                           sourceFile: StaticString = #filePath, sourceLine: UInt = #line) {
    XCTAssertThrowsError(try body(), file: sourceFile, line: sourceLine) { error in
        guard case let HyperLearnError.invalidInput(file, line, field, reason) = error else {
            return XCTFail("expected invalidInput, got \(error)", file: sourceFile, line: sourceLine)
        }
        XCTAssertTrue(file.hasSuffix(expectedFile), "file \(file) ≠ \(expectedFile) (\(error))", file: sourceFile, line: sourceLine)
        XCTAssertEqual(line, expectedLine, "line (\(error))", file: sourceFile, line: sourceLine)
        XCTAssertEqual(field, expectedField, "field (\(error))", file: sourceFile, line: sourceLine)
        if let reasonContains {
            XCTAssertTrue(reason.contains(reasonContains), "reason '\(reason)' lacks '\(reasonContains)'", file: sourceFile, line: sourceLine)
        }
    }
}
