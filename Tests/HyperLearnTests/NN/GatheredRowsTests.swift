@testable import HyperLearn
import XCTest

final class GatheredRowsTests: XCTestCase {
    func testOneBlockOfCapacityRowsPerMember() throws {
        let gathered = try GatheredRows(order: 3, capacity: 4, dimensions: 2)
        XCTAssertEqual(gathered.rows, Matrix(rows: 12, columns: 2))
        XCTAssertEqual(gathered.dimensions, 2)
    }

    func testNegativeOrOverflowingSizesAreRefused() {
        let function = "GatheredRows(order:capacity:dimensions:)"
        assertInvalidArgument(try GatheredRows(order: -1, capacity: 4, dimensions: 2), mentioning: function, "order -1")
        assertInvalidArgument(try GatheredRows(order: 3, capacity: -4, dimensions: 2), mentioning: function, "capacity -4")
        assertInvalidArgument(try GatheredRows(order: 3, capacity: 4, dimensions: -2), mentioning: function, "12×-2")
        assertInvalidArgument(try GatheredRows(order: 3, capacity: Int.max / 2, dimensions: 2), mentioning: function)
        assertInvalidArgument(try GatheredRows(order: 3, capacity: 1 << 40, dimensions: 1 << 30), mentioning: function)
    }
}
