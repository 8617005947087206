@testable import HyperLearn
import XCTest

/// The loss functions on values computed by hand, and their refusal of a gradient buffer they would
/// write past.
final class LossesTests: XCTestCase {
    func testSquaredErrorValueAndGradient() throws {
        var gradient = [Float](repeating: 0, count: 3)
        // Residuals (1, −2): Σ r² = 5, over normalizer 2; gradient 2r/2 = r. The third slot is left as it is.
        let loss = try squaredErrorLoss(scores: [3, 0], targets: [2, 2], normalizer: 2, gradient: &gradient)
        XCTAssertEqual(loss, 2.5, accuracy: 1e-12)
        XCTAssertEqual(gradient, [1, -2, 0])
    }

    func testLogisticValueAndGradient() throws {
        var gradient = [Float](repeating: 0, count: 1)
        // s = 0: softplus(0) = log 2 for either label; σ(0) = 1/2.
        XCTAssertEqual(try logisticLoss(scores: [0], label: true, normalizer: 1, gradient: &gradient), log(2), accuracy: 1e-12)
        XCTAssertEqual(gradient, [-0.5])
        XCTAssertEqual(try logisticLoss(scores: [0], label: false, normalizer: 2, gradient: &gradient), log(2) / 2, accuracy: 1e-12)
        XCTAssertEqual(gradient, [0.25])
    }

    func testAShortGradientOrMismatchedTargetsAreRefused() {
        var short = [Float](repeating: 0, count: 1)
        assertInvalidArgument(try squaredErrorLoss(scores: [1, 2], targets: [1, 2], normalizer: 1, gradient: &short),
                              mentioning: "squaredErrorLoss", "2 scores, 2 targets and 1 gradient slots")
        var enough = [Float](repeating: 0, count: 2)
        assertInvalidArgument(try squaredErrorLoss(scores: [1, 2], targets: [1], normalizer: 1, gradient: &enough),
                              mentioning: "squaredErrorLoss", "2 scores, 1 targets")
        assertInvalidArgument(try logisticLoss(scores: [1, 2], label: true, normalizer: 1, gradient: &short),
                              mentioning: "logisticLoss", "1 gradient slots for 2 scores")
    }
}
