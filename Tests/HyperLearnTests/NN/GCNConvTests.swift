@testable import HyperLearn
import XCTest

final class GCNConvTests: XCTestCase {
    func testShapesAndTheRootWeightNeedsAPropagation() throws {
        var generator = SeededGenerator(seed: 3)
        let conv = try GCNConv(3, 5, propagated: true, rootWeight: true, name: "c", using: &generator)
        XCTAssertEqual(conv.parameters.map { [$0.rows, $0.columns] }, [[3, 5], [1, 5], [3, 5]])
        XCTAssertNil(try GCNConv(3, 5, propagated: false, rootWeight: true, using: &generator).rootWeight)
    }

    func testNegativeOrOverflowingDimensionsAreRefused() {
        var generator = SeededGenerator(seed: 3)
        assertInvalidArgument(try GCNConv(-3, 5, propagated: true, name: "c", using: &generator), mentioning: "GCNConv 'c'", "-3×5")
        assertInvalidArgument(try GCNConv(3, Int.max, propagated: true, name: "c", using: &generator), mentioning: "GCNConv 'c'")
    }
}
