@testable import HyperLearn
import XCTest

/// `ModalityEncoder`'s parameters follow its inputs and widths, and inputs it cannot encode are refused.
final class ModalityEncoderTests: XCTestCase {
    func encoder(count: Int = 3, features: Matrix? = nil, sparseFeatures: SparseMatrix? = nil,
                 propagation: (any Propagation)? = nil, tableDimensions: Int = 2, layers: [Int] = [4, 5],
                 dropout: Float = 0) throws -> ModalityEncoder {
        var generator = SeededGenerator(seed: 1)
        return try ModalityEncoder(name: "m", count: count, features: features, sparseFeatures: sparseFeatures,
                                   propagation: propagation, tableDimensions: tableDimensions, layerDimensions: layers,
                                   dropout: dropout, using: &generator)
    }

    func testParametersFollowTheInputsAndWidths() throws {
        let features = Matrix(rows: 3, columns: 6)
        let sparse = try SparseMatrix(rows: 3, columns: 7, entries: [(0, 6, 1)])
        let graph = try NormalizedAdjacency(adjacency: SparseMatrix(rows: 3, columns: 3, entries: [(0, 1, 1), (1, 0, 1)]))
        let encoder = try self.encoder(features: features, sparseFeatures: sparse, propagation: graph, dropout: 0.5)
        XCTAssertEqual(encoder.parameters.map { [$0.rows, $0.columns] },
                       [[3, 2], [2, 4], [6, 4], [7, 4], [1, 4], [4, 5], [1, 5], [3, 1]])
        XCTAssertEqual(encoder.outputDimensions, 5)
        XCTAssertEqual(encoder.dropout, 0.5)
        XCTAssertEqual(try self.encoder(features: features, tableDimensions: 0, layers: [3]).parameters.map { [$0.rows, $0.columns] },
                       [[6, 3], [1, 3], [3, 1]], "features alone, one layer")
    }

    func testInputsItCannotEncodeAreRefused() throws {
        assertInvalidArgument(try encoder(layers: []), mentioning: "ModalityEncoder 'm'", "at least one layer")
        assertInvalidArgument(try encoder(tableDimensions: 0), mentioning: "ModalityEncoder 'm'", "no input")
        assertInvalidArgument(try encoder(features: Matrix(rows: 2, columns: 4)), mentioning: "ModalityEncoder 'm'", "2 feature rows for 3 items")
        assertInvalidArgument(try encoder(sparseFeatures: SparseMatrix(rows: 4, columns: 1, entries: [])),
                              mentioning: "ModalityEncoder 'm'", "4 sparse feature rows for 3 items")
        let graph = try NormalizedAdjacency(adjacency: SparseMatrix(rows: 2, columns: 2, entries: []))
        assertInvalidArgument(try encoder(propagation: graph), mentioning: "ModalityEncoder 'm'", "a propagation over 2 items for 3")
        assertInvalidArgument(try encoder(count: -1), mentioning: "ModalityEncoder 'm'", "negative item count -1")
        assertInvalidArgument(try encoder(tableDimensions: -2), mentioning: "ModalityEncoder 'm'", "negative table width -2")
        assertInvalidArgument(try encoder(layers: [4, -1]), mentioning: "ModalityEncoder 'm'", "[4, -1]")
        for dropout: Float in [-0.1, 1, .nan] {
            assertInvalidArgument(try encoder(dropout: dropout), mentioning: "ModalityEncoder 'm'", "outside [0, 1)")
        }
    }
}
