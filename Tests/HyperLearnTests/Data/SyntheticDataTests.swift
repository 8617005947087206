@testable import HyperLearn
import XCTest

final class SyntheticDataTests: XCTestCase {
    func testSizesWhoseProductsOverflowAreRefused() throws {
        var synthetic = SyntheticData(modalities: 2, items: 5, order: 2)
        let (factors, graphs) = try synthetic.structure()
        XCTAssertEqual(factors.map(\.rows), [5, 5])
        XCTAssertEqual(graphs.map(\.rows), [5, 5])
        let set = try synthetic.hyperedges(count: 7, factors: factors, preferStructure: false)
        XCTAssertEqual(set.count, 7)
        XCTAssertEqual(set.values?.count, 7)
        assertInvalidArgument(try synthetic.hyperedges(count: Int.max / 2 + 1, factors: factors, preferStructure: false),
                              mentioning: "SyntheticData.hyperedges", "count × order")
        synthetic.items = Int.max / 2
        assertInvalidArgument(try synthetic.structure(), mentioning: "SyntheticData.structure", "items × rank")
    }
}
