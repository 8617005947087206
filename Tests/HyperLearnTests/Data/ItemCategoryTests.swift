@testable import HyperLearn
import XCTest

final class ItemCategoryTests: XCTestCase {
    func testCommonestKeysByCountThenFirstAppearance() throws {
        let category = ItemCategory(name: "genre", values: ["b|a", "a", "c", "", "b"], separator: "|")
        XCTAssertEqual(try category.commonest(2).map(\.key), ["b", "a"])
        XCTAssertEqual(try category.commonest(2).map(\.count), [2, 1])
        XCTAssertEqual(try category.commonest(0).count, 0)
        XCTAssertEqual(try category.commonest(Int.max).map(\.key), ["b", "a", "c"])
    }

    func testANegativeLimitIsRefused() {
        assertInvalidArgument(try ItemCategory(name: "genre", values: ["a"]).commonest(-1), mentioning: "ItemCategory.commonest", "-1")
    }
}
