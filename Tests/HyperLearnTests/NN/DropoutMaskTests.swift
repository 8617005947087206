@testable import HyperLearn
import XCTest

final class DropoutMaskTests: XCTestCase {
    func testFactorsAreTheKeepScaleWhereKept() throws {
        let mask = DropoutMask(key: 3, rate: 0.25)
        let factors = try mask.factors(count: 64)
        XCTAssertEqual(factors, (0..<64).map { mask.keeps($0) ? Float(1) / 0.75 : 0 })
        XCTAssertEqual(try mask.factors(count: 0), [])
    }

    func testANegativeCountIsRefused() {
        assertInvalidArgument(try DropoutMask(key: 3, rate: 0.25).factors(count: -1), mentioning: "DropoutMask.factors(count:)", "-1")
    }
}
