import Foundation
import XCTest

/// `Examples/QuickStart`: the built program trains, evaluates on its test split and prints plausible
/// metrics, and the README's library section is the same code.
final class QuickStartTests: XCTestCase {
    /// The package root, from this file's path (Tests/HyperLearnCLITests/QuickStartTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testQuickStartPrintsFiniteTestMetrics() throws {
        let result = try CLI.run([], executable: CLI.product("QuickStart"))
        XCTAssertEqual(result.status, 0, result.stderr)
        // Lines `test RELATION METRIC: VALUE`, one per metric.
        var metrics = [String: Double]()
        for line in result.stdout.split(separator: "\n") where line.hasPrefix("test rating ") {
            let parts = line.dropFirst("test rating ".count).split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            metrics[parts[0]] = Double(parts[1])
        }
        XCTAssertEqual(Set(metrics.keys), ["rmse", "mae"], result.stdout)
        let rmse = try XCTUnwrap(metrics["rmse"]), mae = try XCTUnwrap(metrics["mae"])
        XCTAssertTrue(rmse.isFinite && mae.isFinite, result.stdout)
        // The planted values have unit variance (predicting their mean gives RMSE ≈ 1) and test noise 0.1.
        XCTAssertGreaterThan(rmse, 0.05, result.stdout)
        XCTAssertLessThan(rmse, 0.5, result.stdout)
        XCTAssertGreaterThan(mae, 0)
        XCTAssertLessThanOrEqual(mae, rmse, "MAE ≤ RMSE always")
        XCTAssertTrue(result.stdout.contains("user embeddings: 30 × 16"), result.stdout)
    }

    func testReadmeLibrarySnippetIsTheQuickStartProgram() throws {
        let program = try String(contentsOf: QuickStartTests.root.appendingPathComponent("Examples/QuickStart/main.swift"), encoding: .utf8)
        let readme = try String(contentsOf: QuickStartTests.root.appendingPathComponent("README.md"), encoding: .utf8)
        let code = try XCTUnwrap(program.range(of: "\nimport HyperLearn\n").map { String(program[program.index(after: $0.lowerBound)...]) })
        XCTAssertTrue(readme.contains("## The library\n\n```swift\n" + code + "```\n"),
                      "README.md's library snippet must be Examples/QuickStart/main.swift from `import HyperLearn` on")
    }
}
