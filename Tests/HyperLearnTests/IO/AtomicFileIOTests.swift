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

    func testMissingFolderIsAnIOError() {
        let target = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)/out.tsv")
        XCTAssertThrowsError(try AtomicFile.write("x", to: target)) { error in
            guard case HyperLearnError.io = error else { return XCTFail("\(error)") }
        }
    }
}
