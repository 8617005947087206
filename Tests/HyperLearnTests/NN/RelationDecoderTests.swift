@testable import HyperLearn
import XCTest

final class RelationDecoderTests: XCTestCase {
    func testPartsFollowTheKindAndOrder() throws {
        var generator = SeededGenerator(seed: 3)
        let decoder = try RelationDecoder(kind: .cpTuple, order: 3, dimensions: 4, tupleHiddenDimensions: 5,
                                          pairwiseInteractions: true, name: "r", using: &generator)
        XCTAssertEqual(decoder.cp.rank, 4)
        XCTAssertEqual(decoder.tuple?.hidden.inputDimensions, 12)
        XCTAssertNil(decoder.attention)
        XCTAssertEqual(decoder.pairwise?.rank, 4)
        XCTAssertNil(try RelationDecoder(kind: .cp, order: 2, dimensions: 4, tupleHiddenDimensions: 5, pairwiseInteractions: true,
                                         name: "r", using: &generator).pairwise, "pairwise terms need order 3 or more")
    }

    func testAPartsInvalidSizeIsRefused() {
        var generator = SeededGenerator(seed: 3)
        assertInvalidArgument(try RelationDecoder(kind: .cp, order: 2, dimensions: -1, tupleHiddenDimensions: 5, name: "r",
                                                  using: &generator), mentioning: "CPDecoder(rank:) 'r.cp'", "rank -1")
        assertInvalidArgument(try RelationDecoder(kind: .tuple, order: 2, dimensions: 4, tupleHiddenDimensions: -5, name: "r",
                                                  using: &generator), mentioning: "TupleDecoder", "hiddenDimensions -5")
        assertInvalidArgument(try RelationDecoder(kind: .attention, order: 2, dimensions: 4, tupleHiddenDimensions: 5,
                                                  attentionDimensions: 6, attentionHeads: 4, name: "r", using: &generator),
                              mentioning: "AttentionDecoder", "heads 4")
    }
}
