@testable import HyperLearn
import Foundation
import XCTest
import ZIPFoundation

final class NPYReaderIOTests: XCTestCase {
    func testRoundTripsInt64Float32Float64() throws {
        let ints = try NPYArray(shape: [2, 3], int64: [0, -1, 2, Int64.max, 4, 5])
        let back = try NPYArray(npyBytes: [UInt8](NPYWriter.encode(ints)), file: "a.npy")
        XCTAssertEqual(back, ints)
        XCTAssertEqual(back.shape, [2, 3])
        XCTAssertEqual(try back.int64Values(), [0, -1, 2, Int64.max, 4, 5])

        let floats = try NPYArray(shape: [3], float32: [1.5, -2, 0.25])
        let floatsBack = try NPYArray(npyBytes: [UInt8](NPYWriter.encode(floats)), file: "f.npy")
        XCTAssertEqual(floatsBack.dtype.descr, "<f4")
        XCTAssertEqual(try floatsBack.doubleValues(), [1.5, -2, 0.25])

        let scalar = try NPYArray(shape: [], float64: [3.25])
        let scalarBack = try NPYArray(npyBytes: [UInt8](NPYWriter.encode(scalar)), file: "s.npy")
        XCTAssertEqual(scalarBack.shape, [])
        XCTAssertEqual(try scalarBack.doubleValues(), [3.25])
        XCTAssertThrowsError(try scalarBack.int64Values(), "3.25 is not an integer")
    }

    func testHeaderIsAlignedAndParsesLikeNumpy() throws {
        let data = NPYWriter.encode(try NPYArray(shape: [2, 2], int64: [1, 2, 3, 4]))
        XCTAssertEqual((data.count - 32) % 64, 0)
        let header = String(decoding: data[10..<(data.count - 32)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }"))
        XCTAssertTrue(header.hasSuffix("\n"))
    }

    func testSmallAndBigEndianDtypes() throws {
        func npy(_ descr: String, _ shape: String, _ payload: [UInt8], major: UInt8 = 1) -> [UInt8] {
            let dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }\n".utf8)
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
            if major == 1 { bytes += [UInt8(dict.count), 0] } else { bytes += [UInt8(dict.count), 0, 0, 0] }
            return bytes + dict + payload
        }
        XCTAssertEqual(try NPYArray(npyBytes: npy(">i4", "(2,)", [0, 0, 1, 2, 0xFF, 0xFF, 0xFF, 0xFE]), file: "x").int64Values(), [258, -2])
        XCTAssertEqual(try NPYArray(npyBytes: npy("<i2", "(1,)", [0xFE, 0xFF]), file: "x").int64Values(), [-2])
        XCTAssertEqual(try NPYArray(npyBytes: npy("|i1", "(2,)", [0x80, 0x7F]), file: "x").int64Values(), [-128, 127])
        XCTAssertEqual(try NPYArray(npyBytes: npy("|u1", "(1,)", [0xFF]), file: "x").int64Values(), [255])
        XCTAssertEqual(try NPYArray(npyBytes: npy(">u2", "(1,)", [0x01, 0x00]), file: "x").int64Values(), [256])
        XCTAssertEqual(try NPYArray(npyBytes: npy("<u4", "(1,)", [0xFF, 0xFF, 0xFF, 0xFF]), file: "x").int64Values(), [4_294_967_295])
        XCTAssertEqual(try NPYArray(npyBytes: npy("|b1", "(2,)", [1, 0]), file: "x").int64Values(), [1, 0])
        XCTAssertEqual(try NPYArray(npyBytes: npy(">f8", "(1,)", [0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18]), file: "x").doubleValues(), [Double.pi])
        XCTAssertEqual(try NPYArray(npyBytes: npy("<f4", "(1,)", [0, 0, 0xC0, 0x3F], major: 3), file: "x").doubleValues(), [1.5])
        assertInvalidInput(try NPYArray(npyBytes: npy("<u8", "(1,)", [UInt8](repeating: 0xFF, count: 8)), file: "x", array: "big").int64Values(),
                           file: "x", line: nil, field: "big", reasonContains: "Int64.max")
    }

    func testRejectsFortranOrderTruncationAndNonIntegralIndices() throws {
        var fortran = [UInt8](NPYWriter.encode(try NPYArray(shape: [2], int64: [1, 2])))
        let falseBytes = Array("False".utf8)
        let at = try XCTUnwrap((0..<(fortran.count - 5)).first { Array(fortran[$0..<($0 + 5)]) == falseBytes })
        fortran.replaceSubrange(at..<(at + 5), with: Array("True ".utf8))
        assertInvalidInput(try NPYArray(npyBytes: fortran, file: "f.npy", array: "a"), file: "f.npy", line: nil, field: "a",
                           reasonContains: "fortran_order")
        let full = [UInt8](NPYWriter.encode(try NPYArray(shape: [4], int64: [1, 2, 3, 4])))
        assertInvalidInput(try NPYArray(npyBytes: Array(full.dropLast(5)), file: "t.npy", array: "a"), file: "t.npy", line: nil,
                           field: "a", reasonContains: "truncated")
        assertInvalidInput(try NPYArray(npyBytes: Array("not numpy at all".utf8), file: "n.npy"), file: "n.npy", line: nil, field: "array")
        let fractional = try NPYArray(shape: [1], float64: [2.5])
        XCTAssertThrowsError(try fractional.int64Values())
    }

    func testObjectAndStringArraysLoadButDoNotConvert() throws {
        func npy(_ descr: String, _ shape: String, _ payload: [UInt8]) -> [UInt8] {
            let dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }\n".utf8)
            return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count), 0] + dict + payload
        }
        let pickled = try NPYArray(npyBytes: npy("|O", "(2,)", [0x80, 0x02, 0x5D, 0x71]), file: "train_data.npz", array: "labels")
        XCTAssertEqual(pickled.dtype.kind, .object)
        assertInvalidInput(try pickled.int64Values(), file: "train_data.npz", line: nil, field: "labels", reasonContains: "pickled")
        let strings = try NPYArray(npyBytes: npy("|S3", "(2,)", Array("ab\0cde".utf8)), file: "train_data.npz", array: "label_name")
        XCTAssertEqual(strings.dtype.byteSize, 3)
        assertInvalidInput(try strings.doubleValues(), file: "train_data.npz", line: nil, field: "label_name", reasonContains: "strings")
    }
}

final class NPZArchiveIOTests: XCTestCase {
    func testWriterRoundTripAndNameLookup() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("train_data.npz")
        let edges = try NPYArray(shape: [2, 3], int64: [0, 1, 2, 3, 4, 0])
        let nums = try NPYArray(shape: [3], int64: [4, 5, 3])
        try NPZWriter.write([("train_data", edges), ("nums_type", nums)], to: url)
        let archive = try NPZArchive(url: url)
        XCTAssertEqual(archive.arrayNames, ["train_data", "nums_type"])
        XCTAssertEqual(try archive.array(named: "train_data"), edges)
        XCTAssertEqual(try archive.array(named: "nums_type.npy"), nums)
        XCTAssertEqual(try NPZWriter.encode([("a", nums)]), try NPZWriter.encode([("a", nums)]), "deterministic bytes")
        assertInvalidInput(try archive.array(named: "labels"), file: "train_data.npz", line: nil, field: "labels",
                           reasonContains: "no such array")
    }

    func testReadsDeflatedMembers() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("deflated.npz")
        let values = try NPYArray(shape: [100], float64: (0..<100).map { Double($0) / 4 })
        let payload = NPYWriter.encode(values)
        let archive = try Archive(url: url, accessMode: .create)
        try archive.addEntry(with: "x.npy", type: .file, uncompressedSize: Int64(payload.count), compressionMethod: .deflate) { position, size in
            payload.subdata(in: Int(position)..<(Int(position) + size))
        }
        XCTAssertTrue(try XCTUnwrap(archive["x.npy"]).isCompressed)
        XCTAssertEqual(try NPZArchive(url: url).array(named: "x"), values)
    }

    func testTruncatedAndNonZipFilesNameFileAndArray() throws {
        let folder = try TemporaryFolder()
        let good = try NPZWriter.encode([("test_data", try NPYArray(shape: [2, 2], int64: [0, 1, 1, 0]))])
        let truncated = try folder.write("test_data.npz", bytes: Array([UInt8](good).prefix(good.count / 2)))
        assertInvalidInput(try NPZArchive.readArray(named: "test_data", from: truncated), file: "test_data.npz", line: nil,
                           field: "test_data", reasonContains: "truncated")
        let text = try folder.write("fake.npz", "this is not a zip file\n")
        assertInvalidInput(try NPZArchive.readArray(named: "test_data", from: text), file: "fake.npz", line: nil, field: "test_data")
    }

    func testReadsSharedGPSTrainingData() throws {
        guard let data = sharedDataFolder() else { throw XCTSkip("../shared/data is absent") }
        let archive = try NPZArchive(url: data.appendingPathComponent("hyperedge/gps/train_data.npz"))
        XCTAssertEqual(try archive.array(named: "nums_type").int64Values(), [146, 70, 5])
        let edges = try archive.array(named: "train_data")
        XCTAssertEqual(edges.shape, [1154, 3])
        XCTAssertEqual(try edges.int64Values().count, 1154 * 3)
    }

    func testListsAndSkipsPickledMembersOfSharedMovieLens() throws {
        guard let data = sharedDataFolder() else { throw XCTSkip("../shared/data is absent") }
        let archive = try NPZArchive(url: data.appendingPathComponent("hyperedge/movielens/train_data.npz"))
        XCTAssertTrue(Set(archive.arrayNames).isSuperset(of: ["train_data", "nums_type", "labels", "label_name", "idx_label"]))
        XCTAssertThrowsError(try archive.array(named: "labels").int64Values())
        XCTAssertEqual(try archive.array(named: "idx_label").int64Values(), [1])
        XCTAssertEqual(try archive.array(named: "train_data").shape, [38365, 3])
    }
}
