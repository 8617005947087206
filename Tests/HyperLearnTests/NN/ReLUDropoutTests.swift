@testable import HyperLearn
import XCTest

final class ReLUDropoutTests: XCTestCase {
    func testBackwardPassesTheGradientWhereTheOutputIsPositive() throws {
        let y = ReLUDropout.forward(try Matrix([[-1, 2], [3, -4]]), mask: nil)
        XCTAssertEqual(y, try Matrix([[0, 2], [3, 0]]))
        let dx = try ReLUDropout.backward(output: y, outputGradient: try Matrix([[10, 20], [30, 40]]), mask: nil)
        XCTAssertEqual(dx, try Matrix([[0, 20], [30, 0]]))
    }

    func testBackwardRefusesAGradientOfAnotherShape() {
        assertInvalidArgument(try ReLUDropout.backward(output: Matrix(rows: 2, columns: 2), outputGradient: Matrix(rows: 1, columns: 4), mask: nil),
                              mentioning: "ReLUDropout.backward", "2×2", "1×4")
    }
}
