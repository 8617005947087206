@testable import HyperLearn
import XCTest

/// `EmbeddingExport`: every text and array encoding reads back to the matrix it was given.
final class EmbeddingExportTests: XCTestCase {
    let z = Matrix(rows: 3, columns: 2, uncheckedStorage: [0.5, -1.25, 3, 0.1, -0.000123, 1e7])
    let ids = ["ann", "bob\tjr", "cy"]

    func testTSVRowsEqualTheMatrix() throws {
        let lines = try EmbeddingExport.tsv(z, ids: ids).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 4, "one line per item and a final newline")
        XCTAssertEqual(lines.last, "")
        for (i, line) in lines.dropLast().enumerated() {
            let fields = line.split(separator: "\t").map(String.init)
            XCTAssertEqual(fields.count, 1 + z.columns)
            XCTAssertEqual(fields[0], ["ann", "bob jr", "cy"][i], "a tab inside an ID becomes a space")
            XCTAssertEqual(fields.dropFirst().map { Float($0)! }, z.row(i), "values read back exactly")
        }
    }

    func testProjectorFilesAndIDList() {
        let vectors = EmbeddingExport.projectorVectors(z).split(separator: "\n").map { $0.split(separator: "\t").map { Float($0)! } }
        XCTAssertEqual(vectors, z.nested)
        XCTAssertEqual(EmbeddingExport.projectorMetadata(ids: ids), "ann\nbob jr\ncy\n")
        XCTAssertEqual(EmbeddingExport.idList(["a", "b"]), "a\nb\n")
    }

    func testNPYRoundTripAndShapeCheck() throws {
        let array = try EmbeddingExport.npy(z)
        XCTAssertEqual(array.shape, [3, 2])
        XCTAssertEqual(try EmbeddingExport.matrix(from: array), z)
        let reread = try NPYArray(npyBytes: [UInt8](NPYWriter.encode(array)), file: "z.npy")
        XCTAssertEqual(try EmbeddingExport.matrix(from: reread), z)
        XCTAssertThrowsError(try EmbeddingExport.matrix(from: NPYArray(shape: [6], float32: z.storage))) { error in
            guard case let HyperLearnError.invalidInput(_, _, _, reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("expected a 2-D array"), reason)
        }
    }
}

extension EmbeddingExportTests {
    func testTSVRefusesIDsThatDoNotMatchTheRows() {
        assertInvalidArgument(try EmbeddingExport.tsv(z, ids: ["ann"]), mentioning: "EmbeddingExport.tsv", "1 IDs for 3 rows")
        assertInvalidArgument(try EmbeddingExport.tsv(z, ids: ids + ["dee"]), mentioning: "4 IDs for 3 rows")
    }
}
