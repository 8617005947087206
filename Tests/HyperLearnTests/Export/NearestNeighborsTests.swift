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

    func testLinksAreTheNearestItemsOfEachQueryByCosineInBlocks() throws {
        // Items at angles 0°, 45°, 90°, 180° (norms vary: cosine ignores them); ties go to the lower index.
        let items = Matrix(rows: 4, columns: 2, uncheckedStorage: [1, 0, 3, 3, 0, 2, -1, 0])
        let queries = Matrix(rows: 3, columns: 2, uncheckedStorage: [2, 0.1, 0, 0, 1, 1])
        let links = try NearestNeighbors.links(from: queries, to: items, count: 2)
        XCTAssertEqual(links.map { $0.map(\.item) }, [[0, 1], [], [1, 0]])
        XCTAssertTrue(links.allSatisfy { $0.allSatisfy { $0.weight == 1 } })
        assertInvalidArgument(try NearestNeighbors.links(from: Matrix(rows: 1, columns: 3), to: items, count: 1), mentioning: "3 query columns")
        assertInvalidArgument(try NearestNeighbors.links(from: queries, to: items, count: 0), mentioning: "count 0")
    }
}

extension NearestNeighborsTests {
    func testLinksWithACountAboveTheItemsListEveryItem() throws {
        let items = try Matrix([[1, 0], [0, 1], [1, 1]])
        let queries = try Matrix([[1, 0.1], [0, 0]])
        let all = try NearestNeighbors.links(from: queries, to: items, count: 3)
        XCTAssertEqual(all.map { $0.map(\.item) }, [[0, 2, 1], []])
        // A count near Int.max once sized the search's buffer (`count + 1` overflowed).
        XCTAssertEqual(try NearestNeighbors.links(from: queries, to: items, count: Int.max).map { $0.map(\.item) }, [[0, 2, 1], []])
    }
}
