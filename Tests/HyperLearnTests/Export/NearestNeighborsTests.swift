@testable import HyperLearn
import XCTest

final class NearestNeighborsTests: XCTestCase {
    func testCosineOrderTiesAndZeroVectors() throws {
        // Row 0 = (1, 0); row 1 points the same way (cosine 1), row 2 at 45° (0.707), row 3 is zero, row 4 opposite.
        let z = try Matrix([[1, 0], [2, 0], [1, 1], [0, 0], [-1, 0]])
        let neighbors = try NearestNeighbors.of(0, in: z, count: 10)
        XCTAssertEqual(neighbors.map(\.item), [1, 2, 3, 4])
        XCTAssertEqual(neighbors.map(\.similarity)[0], 1, accuracy: 1e-6)
        XCTAssertEqual(neighbors.map(\.similarity)[1], Float(0.5).squareRoot(), accuracy: 1e-6)
        XCTAssertEqual(neighbors.map(\.similarity)[2], 0)
        XCTAssertEqual(neighbors.map(\.similarity)[3], -1, accuracy: 1e-6)
        XCTAssertEqual(try NearestNeighbors.of(0, in: z, count: 2).map(\.item), [1, 2])
        XCTAssertThrowsError(try NearestNeighbors.of(5, in: z, count: 1))
        XCTAssertThrowsError(try NearestNeighbors.of(0, in: z, count: 0))
    }
}
