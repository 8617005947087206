@testable import HyperLearn
import XCTest

final class LinearTests: XCTestCase {
    func testShapesAndGlorotBound() throws {
        var generator = SeededGenerator(seed: 3)
        let layer = try Linear(4, 2, name: "l", using: &generator)
        XCTAssertEqual(layer.weight.value.shape.rows, 4)
        XCTAssertEqual(layer.weight.value.shape.columns, 2)
        XCTAssertEqual(layer.bias?.value, Matrix(rows: 1, columns: 2))
        let bound = (6 / Float(4 + 2)).squareRoot()
        XCTAssertTrue(layer.weight.value.storage.allSatisfy { abs($0) <= bound })
        XCTAssertNil(try Linear(4, 2, bias: false, using: &generator).bias)
    }

    func testNegativeOrOverflowingDimensionsAreRefused() {
        var generator = SeededGenerator(seed: 3)
        assertInvalidArgument(try Linear(-1, 2, name: "l", using: &generator), mentioning: "Linear 'l'", "-1×2")
        assertInvalidArgument(try Linear(3, -2, name: "l", using: &generator), mentioning: "Linear 'l'", "3×-2")
        assertInvalidArgument(try Linear(Int.max, 2, name: "l", using: &generator), mentioning: "Linear 'l'")
    }
}
