@testable import HyperLearn
import XCTest

final class ParameterTests: XCTestCase {
    func testRandomInitialisersFillTheShape() throws {
        var generator = SeededGenerator(seed: 5)
        let normal = try Parameter(name: "n", rows: 2, columns: 3, normalScale: 0, using: &generator)
        XCTAssertEqual(normal.value, Matrix(rows: 2, columns: 3), "scale 0: all zero")
        XCTAssertEqual(normal.gradient, Matrix(rows: 2, columns: 3))
        let glorot = try Parameter(name: "g", glorotRows: 3, columns: 3, using: &generator)
        XCTAssertEqual(glorot.count, 9)
        XCTAssertTrue(glorot.value.storage.allSatisfy { abs($0) <= 1 })
    }

    func testNegativeOrOverflowingShapesAreRefused() {
        var generator = SeededGenerator(seed: 5)
        assertInvalidArgument(try Parameter(name: "n", rows: -2, columns: 3, normalScale: 1, using: &generator),
                              mentioning: "Parameter(name:rows:columns:normalScale:) 'n'", "-2×3")
        assertInvalidArgument(try Parameter(name: "g", glorotRows: 3, columns: -3, using: &generator),
                              mentioning: "Parameter(name:glorotRows:columns:) 'g'", "3×-3")
        assertInvalidArgument(try Parameter(name: "g", glorotRows: Int.max, columns: 3, using: &generator),
                              mentioning: "Parameter(name:glorotRows:columns:) 'g'")
    }
}
