@testable import HyperLearn
import XCTest

final class CPDecoderTests: XCTestCase {
    func testWeightsStartAtOneAndTheBiasAtZero() throws {
        let decoder = try CPDecoder(rank: 3)
        XCTAssertEqual(decoder.weights.value, Matrix(rows: 1, columns: 3, repeating: 1))
        XCTAssertEqual(decoder.globalBias.value, Matrix(rows: 1, columns: 1))
        XCTAssertEqual(decoder.rank, 3)
    }

    func testANegativeRankIsRefused() {
        assertInvalidArgument(try CPDecoder(rank: -1, name: "r.cp"), mentioning: "CPDecoder(rank:) 'r.cp'", "rank -1")
    }
}
