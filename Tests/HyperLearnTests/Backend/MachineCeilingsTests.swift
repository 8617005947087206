@testable import HyperLearn
import XCTest

final class MachineCeilingsTests: XCTestCase {
    func testSmallMeasurementsGivePositiveRates() throws {
        XCTAssertGreaterThan(try MachineCeilings.sgemmGFLOPS(size: 32, repetitions: 1), 0)
        XCTAssertGreaterThan(try MachineCeilings.triadGBPS(bytesPerArray: 4096, repetitions: 1), 0)
    }

    func testSizesWithNothingToMeasureAreRefused() {
        assertInvalidArgument(try MachineCeilings.sgemmGFLOPS(size: 0), mentioning: "sgemmGFLOPS", "size 0")
        assertInvalidArgument(try MachineCeilings.sgemmGFLOPS(size: 8, repetitions: -1), mentioning: "sgemmGFLOPS", "repetitions -1")
        assertInvalidArgument(try MachineCeilings.sgemmGFLOPS(size: Int.max), mentioning: "sgemmGFLOPS")
        assertInvalidArgument(try MachineCeilings.triadGBPS(bytesPerArray: 3), mentioning: "triadGBPS", "bytesPerArray 3")
        assertInvalidArgument(try MachineCeilings.triadGBPS(bytesPerArray: 4096, repetitions: 0), mentioning: "triadGBPS", "repetitions 0")
    }
}
