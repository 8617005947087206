import Foundation
import XCTest

/// The accuracy harness behind `make bench` (`HyperLearnBench`) on the tiny fixture: per-seed lines,
/// the mean ± std summary, ensembles, and the markdown table written into BENCHMARKS.md.
final class BenchmarkHarnessTests: XCTestCase {
    /// A single model's line carries its best epoch's validation metrics, and the summary their mean:
    /// the figures configurations are chosen by.
    func testAccuracyLinesCarryTheBestEpochsValidationMetrics() throws {
        let result = try CLI.run(["accuracy", CLI.tiny.appendingPathComponent("manifest.yaml").path,
                                  "--config", CLI.tiny.appendingPathComponent("config.yaml").path,
                                  "--seeds", "0,1", "--set", "epochs=4"],
                                 executable: CLI.benchmarkHarness)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let validation = try lines.prefix(2).map { line -> Double in
            let metrics = try XCTUnwrap(line["validation"] as? [String: [String: Double]])
            XCTAssertNotNil(metrics["tagging"]?["auc"])
            return try XCTUnwrap(metrics["rating"]?["rmse"])
        }
        XCTAssertTrue(validation.allSatisfy { $0 > 0 && $0.isFinite })
        let summary = try XCTUnwrap(lines[2]["validation_summary"] as? [String: [String: [Double]]])
        XCTAssertEqual(try XCTUnwrap(summary["rating"]?["rmse"])[0], (validation[0] + validation[1]) / 2, accuracy: 1e-12)
    }

    func testAccuracySummaryEnsembleAndMarkdownRow() throws {
        let result = try CLI.run(["accuracy", CLI.tiny.appendingPathComponent("manifest.yaml").path,
                                  "--config", CLI.tiny.appendingPathComponent("config.yaml").path,
                                  "--seeds", "0,1", "--ensemble", "2", "--set", "epochs=4"],
                                 executable: CLI.benchmarkHarness)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.stdout.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.count, 3, "one line per seed, then the summary")
        XCTAssertEqual(lines[0]["seed"] as? Int, 0)
        XCTAssertEqual(lines[0]["members"] as? Int, 2)
        XCTAssertEqual(lines[0]["epochs"] as? Double, 4)
        let rmse = try lines.prefix(2).map { line -> Double in
            let metrics = try XCTUnwrap(line["metrics"] as? [String: [String: Double]])
            return try XCTUnwrap(metrics["rating"]?["rmse"])
        }
        XCTAssertNotEqual(rmse[0], rmse[1], "seeds differ")
        let summary = try XCTUnwrap(lines[2]["summary"] as? [String: [String: [Double]]])
        let shown = try XCTUnwrap(summary["rating"]?["rmse"])
        XCTAssertEqual(shown[0], (rmse[0] + rmse[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(shown[1], abs(rmse[0] - rmse[1]) / 2.0.squareRoot(), accuracy: 1e-12, "sample standard deviation")
        XCTAssertNotNil(summary["tagging"]?["auc"])
        XCTAssertEqual(lines[2]["members"] as? Int, 2)
        XCTAssertGreaterThan(try XCTUnwrap(lines[2]["peak_rss_mb"] as? Double), 1)

        let file = try CLI.temporaryFolder(self).appendingPathComponent("accuracy-tiny-smoke.jsonl")
        try Data(result.stdout.utf8).write(to: file)
        let table = try CLI.run(["markdown", file.path], executable: CLI.benchmarkHarness)
        XCTAssertEqual(table.status, 0, table.stderr)
        let row = try XCTUnwrap(table.stdout.split(separator: "\n").first { $0.contains("| rating |") })
        XCTAssertTrue(row.hasPrefix("| tiny | smoke, ensemble of 2 | rating | rmse \(String(format: "%.4f ± %.4f", shown[0], shown[1]))"), String(row))
    }

    func testBadArgumentsAreRefused() throws {
        let result = try CLI.run(["accuracy", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--ensemble", "0"],
                                 executable: CLI.benchmarkHarness)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("usage:"), result.stderr)
    }
}
