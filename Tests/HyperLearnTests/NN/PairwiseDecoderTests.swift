@testable import HyperLearn
import XCTest

final class PairwiseDecoderTests: XCTestCase {
    func testWeightsStartAtOne() throws {
        let decoder = try PairwiseDecoder(rank: 2)
        XCTAssertEqual(decoder.weights.value, Matrix(rows: 1, columns: 2, repeating: 1))
        XCTAssertEqual(decoder.rank, 2)
    }

    func testANegativeRankIsRefused() {
        assertInvalidArgument(try PairwiseDecoder(rank: -4, name: "r.pairwise"), mentioning: "PairwiseDecoder(rank:) 'r.pairwise'", "rank -4")
    }
}
