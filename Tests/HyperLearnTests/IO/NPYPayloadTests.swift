@testable import HyperLearn
import Foundation
import XCTest

/// The streamed writers (``NPYPayload``): the same bytes as the in-memory encoders, read back by the
/// readers (and so by NumPy's layout), and nothing left behind on an error.
final class NPYPayloadTests: XCTestCase {
    /// More members than one conversion piece (65,536 elements), so the widening runs piece by piece.
    private let members: [Int32] = (0..<(3 * 70_001)).map { Int32(($0 &* 7_919) % 1_000_003) }

    func testStreamedArchiveEqualsTheEncodedOneByteForByte() throws {
        let folder = try TemporaryFolder()
        let table = try Matrix(rows: 300, columns: 7, storage: (0..<2_100).map { Float($0) * 0.25 - 17 })
        let values: [Float] = [0.5, -1, 3]
        let url = folder.url.appendingPathComponent("splits.npz")
        try NPZWriter.write([("table", NPYPayload(float32: table)),
                             ("r.train", try NPYPayload(int64: members, shape: [70_001, 3])),
                             ("r.train_values", try NPYPayload(float32: values, shape: [3]))], to: url)
        let encoded = try NPZWriter.encode([
            ("table", try NPYArray(shape: [300, 7], float32: table.storage)),
            ("r.train", try NPYArray(shape: [70_001, 3], int64: members.map { Int64($0) })),
            ("r.train_values", try NPYArray(shape: [3], float32: values)),
        ])
        XCTAssertEqual(try Data(contentsOf: url), encoded)

        let archive = try NPZArchive(url: url)
        XCTAssertEqual(archive.arrayNames, ["table", "r.train", "r.train_values"])
        XCTAssertEqual(try archive.array(named: "r.train").int64Values(), members.map { Int64($0) })
        XCTAssertEqual(try archive.array(named: "table").doubleValues().map { Float($0) }, table.storage)
        XCTAssertEqual(try archive.array(named: "r.train_values").shape, [3])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["splits.npz"])
    }

    func testStreamedNPYEqualsTheEncodedOne() throws {
        let folder = try TemporaryFolder()
        let table = try Matrix(rows: 4, columns: 3, storage: (0..<12).map { Float($0) / 3 })
        let url = folder.url.appendingPathComponent("users.npy")
        try NPYWriter.write(NPYPayload(float32: table), to: url)
        XCTAssertEqual(try Data(contentsOf: url), NPYWriter.encode(try NPYArray(shape: [4, 3], float32: table.storage)))
        XCTAssertEqual(try NPYArray.read(contentsOf: url).doubleValues().map { Float($0) }, table.storage)
    }

    func testShapesThatDoNotHoldTheValuesAreRefused() {
        XCTAssertThrowsError(try NPYPayload(float32: [1, 2, 3], shape: [2, 2])) { error in
            XCTAssertTrue("\(error)".contains("holds 4 elements, not 3"), "\(error)")
        }
        XCTAssertThrowsError(try NPYPayload(int64: [1, 2], shape: [-1, -2]))
        XCTAssertThrowsError(try NPYPayload(int64: [1], shape: [Int.max, 3]))
    }

    func testAFailedArchiveLeavesThePreviousFileAndNoTemporary() throws {
        let folder = try TemporaryFolder()
        let url = try folder.write("model.npz", "previous")
        let column = try NPYPayload(float32: [1], shape: [1])
        XCTAssertThrowsError(try NPZWriter.write([("a", column), ("a.npy", column)], to: url)) { error in
            XCTAssertTrue("\(error)".contains("duplicate array name"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "previous")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path), ["model.npz"])
    }

    /// The ZIP64 layout, from a threshold of 200 bytes instead of 4 GiB (an archive of real 4 GiB
    /// members is too large for a test): a small member first (plain), then one whose size and offset
    /// take 64 bits, then a small one whose offset does, and the directory's end in its ZIP64 form.
    func testZIP64ArchivesReadBack() throws {
        let folder = try TemporaryFolder()
        let table = try Matrix(rows: 5, columns: 2, storage: (0..<10).map { Float($0) - 4.5 })
        var bytes = [UInt8]()
        try NPZWriter.emit([("z", NPYPayload(float32: table)),
                            ("r.test", try NPYPayload(int64: members, shape: [70_001, 3])),
                            ("v", try NPYPayload(float32: [2.5], shape: [1]))],
                           zip64From: 200) { bytes.append(contentsOf: $0) }
        XCTAssertEqual(Array(bytes[4..<6]), [20, 0], "the first member is small and at offset 0: plain")
        let second = 30 + 5 + 128 + 40
        XCTAssertEqual(Array(bytes[second..<(second + 6)]), [0x50, 0x4B, 0x03, 0x04, 45, 0], "ZIP64 (version 4.5) from here")
        let locator = bytes.count - 22 - 20
        XCTAssertEqual(Array(bytes[locator..<(locator + 4)]), [0x50, 0x4B, 0x06, 0x07], "ZIP64 end-of-directory locator")
        let url = try folder.write("big.npz", bytes: bytes)
        let archive = try NPZArchive(url: url)
        XCTAssertEqual(archive.arrayNames, ["z", "r.test", "v"])
        XCTAssertEqual(try archive.array(named: "z").doubleValues().map { Float($0) }, table.storage)
        XCTAssertEqual(try archive.array(named: "r.test").int64Values(), members.map { Int64($0) })
        XCTAssertEqual(try archive.array(named: "v").doubleValues(), [2.5])
    }
}
