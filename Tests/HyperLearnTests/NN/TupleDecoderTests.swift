@testable import HyperLearn
import XCTest

final class TupleDecoderTests: XCTestCase {
    func testTheHiddenLayerReadsTheConcatenatedMembers() throws {
        var generator = SeededGenerator(seed: 3)
        let decoder = try TupleDecoder(order: 3, dimensions: 4, hiddenDimensions: 6, using: &generator)
        XCTAssertEqual(decoder.parameters.map { [$0.rows, $0.columns] }, [[12, 6], [1, 6], [6, 1], [1, 1]])
    }

    func testInvalidSizesAreRefused() {
        var generator = SeededGenerator(seed: 3)
        let function = "TupleDecoder(order:dimensions:hiddenDimensions:) 't'"
        assertInvalidArgument(try TupleDecoder(order: 0, dimensions: 4, hiddenDimensions: 6, name: "t", using: &generator),
                              mentioning: function, "order 0")
        assertInvalidArgument(try TupleDecoder(order: 2, dimensions: -4, hiddenDimensions: 6, name: "t", using: &generator),
                              mentioning: function, "dimensions -4")
        assertInvalidArgument(try TupleDecoder(order: 2, dimensions: 4, hiddenDimensions: -6, name: "t", using: &generator),
                              mentioning: function, "hiddenDimensions -6")
        assertInvalidArgument(try TupleDecoder(order: 3, dimensions: Int.max / 2, hiddenDimensions: 1, name: "t", using: &generator),
                              mentioning: function)
    }
}
