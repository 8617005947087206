import Foundation
import XCTest

/// `hyperlearn bench` end to end on the tiny fixture: the keys a reader of BENCHMARKS.md relies on.
final class CLIBenchTests: XCTestCase {
    func testBenchJSONHasTimingsPhasesRatesAndCeilings() throws {
        // The tiny configuration without the count term, whose MLP is a decoder product (below).
        let config = try CLI.temporaryFolder(self).appendingPathComponent("config.yaml")
        try (String(contentsOf: CLI.tiny.appendingPathComponent("config.yaml"), encoding: .utf8) + "countFeatures: false\n")
            .write(to: config, atomically: true, encoding: .utf8)
        let result = try CLI.run(["bench", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--config", config.path,
                                  "--epochs", "3", "--threads", "1", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in ["dataset", "epochs", "warmup_epochs", "batch_size", "threads", "seconds_per_epoch_median",
                    "seconds_per_epoch_min", "phases", "dense", "sparse", "ceilings", "peak_rss_mb"] {
            XCTAssertNotNil(object[key], "missing \(key)")
        }
        XCTAssertEqual(object["dataset"] as? String, "tiny")
        XCTAssertEqual(object["epochs"] as? Int, 3)
        XCTAssertEqual(object["warmup_epochs"] as? Int, 2)
        XCTAssertEqual(object["batch_size"] as? Int, 0, "bench trains full-batch epochs by default")
        XCTAssertGreaterThan(try XCTUnwrap(object["seconds_per_epoch_median"] as? Double), 0)
        XCTAssertGreaterThan(try XCTUnwrap(object["peak_rss_mb"] as? Double), 1)
        XCTAssertLessThanOrEqual(try XCTUnwrap(object["setup_peak_rss_mb"] as? Double), try XCTUnwrap(object["peak_rss_mb"] as? Double))

        let phases = try XCTUnwrap(object["phases"] as? [[String: Any]])
        XCTAssertEqual(phases.compactMap { $0["name"] as? String },
                       ["negative sampling", "neighbour sampling", "encoder forward", "gather/exchange", "decoder", "scatter",
                        "encoder backward", "optimizer"])
        let shares = phases.compactMap { $0["share"] as? Double }
        XCTAssertEqual(shares.count, 8)
        XCTAssertEqual(shares.reduce(0, +), 1, accuracy: 1e-6)

        let dense = try XCTUnwrap(object["dense"] as? [String: Any])
        for key in ["gflop_per_epoch", "counted_gflop_per_epoch", "seconds_per_epoch", "gflops", "ceiling_gflops", "fraction_of_ceiling"] {
            XCTAssertNotNil(dense[key], "dense: missing \(key)")
        }
        // Every sgemm of a full-batch CP epoch is an encoder product: the shape count is the kernels' count.
        XCTAssertEqual(try XCTUnwrap(dense["gflop_per_epoch"] as? Double),
                       try XCTUnwrap(dense["counted_gflop_per_epoch"] as? Double), accuracy: 1e-9)
        let sparse = try XCTUnwrap(object["sparse"] as? [String: Any])
        for key in ["gb_per_epoch", "counted_gb_per_epoch", "seconds_per_epoch", "gbps", "ceiling_gbps", "fraction_of_ceiling"] {
            XCTAssertNotNil(sparse[key], "sparse: missing \(key)")
        }
        let ceilings = try XCTUnwrap(object["ceilings"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(ceilings["sgemm_gflops"] as? Double), 0.1)
        XCTAssertGreaterThan(try XCTUnwrap(ceilings["triad_gbps"] as? Double), 0.1)
    }

    func testBenchTextNamesPhasesAndRates() throws {
        let result = try CLI.run(["bench", CLI.tiny.appendingPathComponent("manifest.yaml").path,
                                  "--config", CLI.tiny.appendingPathComponent("config.yaml").path,
                                  "--epochs", "2", "--threads", "1", "--skip-ceilings"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for text in ["median", "s/epoch", "encoder forward", "optimizer", "GFLOP/s", "GB/s", "peak RSS"] {
            XCTAssertTrue(result.stdout.contains(text), "missing '\(text)' in:\n\(result.stdout)")
        }
    }

    /// `--steps`: 4 of one epoch's 10 steps (the largest relation's 170 positives in batches of 17); the
    /// first is the warm-up, and s/epoch is the median of the other three × 10.
    func testBenchTimesStepsOfOneEpoch() throws {
        let object = try benchSteps("4")
        XCTAssertEqual(object["steps_per_epoch"] as? Int, 10)
        XCTAssertEqual(object["steps_timed"] as? Int, 4)
        XCTAssertEqual(object["warmup_steps"] as? Int, 1)
        XCTAssertNil(object["warmup_epochs"])
        XCTAssertNil(object["epoch_seconds"])
        let steps = try XCTUnwrap(object["step_seconds"] as? [Double])
        XCTAssertEqual(steps.count, 4)
        XCTAssertTrue(steps.allSatisfy { $0 > 0 })
        let median = steps.dropFirst().sorted()[1]
        XCTAssertEqual(try XCTUnwrap(object["seconds_per_epoch_median"] as? Double), 10 * median, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(object["seconds_per_epoch_min"] as? Double), 10 * steps.dropFirst().min()!, accuracy: 1e-9)
        // The phases cover the three timed steps, scaled to the epoch: no more than 10 × their sum.
        let phases = try XCTUnwrap(object["phases"] as? [[String: Any]])
        let phaseTotal = phases.compactMap { $0["seconds_per_epoch"] as? Double }.reduce(0, +)
        XCTAssertGreaterThan(phaseTotal, 0)
        XCTAssertLessThanOrEqual(phaseTotal, 10 * steps.dropFirst().reduce(0, +) * 1.0001)

        let text = try CLI.run(benchStepsArguments("3"))
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("3 steps (of 10 per epoch), 1 warm-up"), text.stdout)
        XCTAssertTrue(text.stdout.contains("s/step →"), text.stdout)
        XCTAssertTrue(text.stdout.contains("estimated from 2 steps"), text.stdout)
    }

    /// More steps than an epoch has: the warm-up, then one epoch's steps, and the count says so.
    func testBenchStepsBeyondAnEpochTimeOneEpoch() throws {
        let object = try benchSteps("1000000")
        XCTAssertEqual(object["steps_timed"] as? Int, 11)
        XCTAssertEqual((object["step_seconds"] as? [Double])?.count, 11)
    }

    /// `bench --steps N` on the tiny fixture in batches of 17 (10 steps per epoch).
    private func benchStepsArguments(_ n: String) -> [String] {
        ["bench", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--config", CLI.tiny.appendingPathComponent("config.yaml").path,
         "--batch-size", "17", "--steps", n, "--threads", "1", "--skip-ceilings"]
    }

    /// Its JSON object, after checking the exit status.
    private func benchSteps(_ n: String) throws -> [String: Any] {
        let result = try CLI.run(benchStepsArguments(n) + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    func testBenchRejectsBadStepCounts() throws {
        let manifest = CLI.tiny.appendingPathComponent("manifest.yaml").path
        let one = try CLI.run(["bench", manifest, "--steps", "1"])
        XCTAssertEqual(one.status, 2)
        XCTAssertTrue(one.stderr.contains("--steps must be ≥ 2"), one.stderr)
        let both = try CLI.run(["bench", manifest, "--steps", "3", "--epochs", "2"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("--steps and --epochs exclude each other"), both.stderr)
    }

    func testBenchRejectsZeroEpochs() throws {
        let result = try CLI.run(["bench", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--epochs", "0"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("--epochs"), result.stderr)
    }
}
