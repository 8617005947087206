@testable import HyperLearn
import XCTest

/// The evaluation metrics on arrays whose values are known by hand, and their refusal of arrays they
/// cannot be computed from.
final class MetricsTests: XCTestCase {
    func testRegressionErrorsOfKnownArrays() throws {
        // Errors (1, −2, 0, 1): squares sum to 6, absolute values to 4.
        let predictions: [Float] = [2, 0, 3, 5], targets: [Float] = [1, 2, 3, 4]
        XCTAssertEqual(try Metrics.rootMeanSquaredError(predictions, targets), (6.0 / 4).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(try Metrics.meanAbsoluteError(predictions, targets), 1, accuracy: 1e-12)
        XCTAssertEqual(try Metrics.rootMeanSquaredError(targets, targets), 0)
    }

    func testAreaUnderROCOfKnownRankings() throws {
        XCTAssertEqual(try Metrics.areaUnderROC(positives: [0.9, 0.8], negatives: [0.1, 0.2, 0.3]), 1)
        XCTAssertEqual(try Metrics.areaUnderROC(positives: [0.1], negatives: [0.5, 0.6]), 0)
        // Pairs (positive, negative): 0.9 beats both, 0.4 beats 0.3 and loses to 0.5: 3 of 4.
        XCTAssertEqual(try Metrics.areaUnderROC(positives: [0.9, 0.4], negatives: [0.5, 0.3]), 0.75, accuracy: 1e-12)
        // A tie counts one half.
        XCTAssertEqual(try Metrics.areaUnderROC(positives: [0.5], negatives: [0.5]), 0.5, accuracy: 1e-12)
    }

    func testAveragePrecisionOfAKnownRanking() throws {
        // Ranked: 0.9 (+), 0.8 (−), 0.7 (+): precision 1 at the first positive, 2/3 at the second.
        let ap = try Metrics.averagePrecision(positives: [0.9, 0.7], negatives: [0.8])
        XCTAssertEqual(ap, (1 + 2.0 / 3) / 2, accuracy: 1e-12)
        XCTAssertEqual(try Metrics.averagePrecision(positives: [1], negatives: []), 1)
    }

    func testEmptyOrMismatchedArraysAreRefused() {
        assertInvalidArgument(try Metrics.rootMeanSquaredError([], []), mentioning: "rootMeanSquaredError", "0 predictions for 0 targets")
        assertInvalidArgument(try Metrics.rootMeanSquaredError([1, 2], [1]), mentioning: "rootMeanSquaredError", "2 predictions for 1 targets")
        assertInvalidArgument(try Metrics.meanAbsoluteError([], []), mentioning: "meanAbsoluteError")
        assertInvalidArgument(try Metrics.meanAbsoluteError([1], [1, 2]), mentioning: "meanAbsoluteError", "1 predictions for 2 targets")
        assertInvalidArgument(try Metrics.areaUnderROC(positives: [], negatives: [0.1]), mentioning: "areaUnderROC", "0 positive")
        assertInvalidArgument(try Metrics.areaUnderROC(positives: [0.1], negatives: []), mentioning: "areaUnderROC", "0 negative")
        assertInvalidArgument(try Metrics.averagePrecision(positives: [], negatives: [0.1]), mentioning: "averagePrecision", "no positive")
    }
}
