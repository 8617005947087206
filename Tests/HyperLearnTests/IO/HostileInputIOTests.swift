@testable import HyperLearn
import Foundation
import XCTest
import ZIPFoundation

/// Inputs that used to trap, hang, write outside the run folder or load silently wrong: each is now an
/// error naming the file, the line (where there is one) and the field. Every file is built here, in a
/// temporary folder.
final class HostileInputIOTests: XCTestCase {
    /// A two-modality link manifest over `train.tsv`, with `modalities` and `relation` text spliced in.
    func manifest(_ folder: TemporaryFolder, name: String = "hostile", user: String = "user: {}",
                  relationName: String = "likes", relationExtra: String = "", train: String = "u1\ti1\nu2\ti2\n") throws -> URL {
        try folder.write("train.tsv", train)
        return try folder.write("manifest.yaml", """
            name: \(name)
            modalities:
              \(user)
              item: {}
            relations:
              \(relationName):
                members: [user, item]
                task: link
                train: {file: train.tsv}\(relationExtra)
            """)
    }

    func load(_ url: URL) throws -> LoadedDataset { try Manifest.load(from: url).loadDataset() }

    // MARK: Traps and hangs

    func testItemCountAboveInt32IsRefused() throws {
        let folder = try TemporaryFolder()
        let url = try manifest(folder, user: "user: {count: 9999999999999}")
        assertInvalidInput(try load(url), file: "manifest.yaml", line: 3, field: "modalities.user.count",
                           reasonContains: "above the limit of 2147483647")
    }

    /// `count: 2000000000` fits Int32 but would fill memory with two billion IDs.
    func testItemCountBeyondMemoryIsRefusedBeforeAllocating() throws {
        let folder = try TemporaryFolder()
        let url = try manifest(folder, user: "user: {count: 2000000000}")
        assertInvalidInput(try load(url), file: "manifest.yaml", line: 3, field: "modalities.user",
                           reasonContains: "2000000000 items")
    }

    func testHugeNumsTypeIsRefusedNotHung() throws {
        let folder = try TemporaryFolder()
        let edges = try NPYArray(shape: [2, 2], int64: [0, 1, 1, 0])
        let nums = try NPYArray(shape: [2], int64: [1_000_000_000_000_000, 2])
        try NPZWriter.write([("train_data", edges), ("nums_type", nums)], to: folder.url.appendingPathComponent("train.npz"))
        let url = try folder.write("manifest.yaml", """
            name: npz
            modalities: {a: {}, b: {}}
            relations:
              r: {members: [a, b], task: link, train: {file: train.npz, array: train_data}}
            """)
        assertInvalidInput(try load(url), file: "train.npz", line: nil, field: "nums_type", reasonContains: "nums_type[0] is 1000000000000000")
    }

    func testHugeIndexIsRefusedNotHung() throws {
        let folder = try TemporaryFolder()
        try NPYWriter.write(try NPYArray(shape: [1, 2], int64: [0, 2_000_000_000]), to: folder.url.appendingPathComponent("train.npy"))
        let url = try folder.write("manifest.yaml", """
            name: npy
            modalities: {a: {}, b: {}}
            relations:
              r: {members: [a, b], task: link, train: {file: train.npy}}
            """)
        assertInvalidInput(try load(url), file: "manifest.yaml", line: 2, field: "modalities.b", reasonContains: "2000000001 items")
    }

    /// Found by FuzzNPZ: a member declaring a huge uncompressed size made the reader reserve that
    /// much memory and abort.
    func testNPZMemberDeclaringAHugeSizeIsRefused() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("bomb.npz")
        try NPZWriter.write([("train_data", try NPYArray(shape: [2, 2], int64: [0, 1, 1, 0]))], to: url)
        var bytes = [UInt8](try Data(contentsOf: url))
        func patch(signature: [UInt8], sizeOffset: Int) {
            for start in 0..<(bytes.count - 4) where Array(bytes[start..<(start + 4)]) == signature {
                bytes.replaceSubrange((start + sizeOffset)..<(start + sizeOffset + 4), with: [0x00, 0xFF, 0xFF, 0xFF])
            }
        }
        patch(signature: [0x50, 0x4B, 0x03, 0x04], sizeOffset: 22)  // local file header
        patch(signature: [0x50, 0x4B, 0x01, 0x02], sizeOffset: 24)  // central directory entry
        try Data(bytes).write(to: url)
        assertInvalidInput(try NPZArchive(url: url).array(named: "train_data"), file: "bomb.npz", line: nil, field: "train_data",
                           reasonContains: "declares 4294967040 bytes")
    }

    /// Found by FuzzNPZ (2026-12-02): a DEFLATED member whose stream never ends. ZIPFoundation's Linux
    /// decoder kept reading past the end of the file forever; the reader now inflates only the member's
    /// declared bytes and refuses it.
    func testNPZMemberWhoseStreamNeverEndsIsRefusedNotHung() throws {
        let folder = try TemporaryFolder()
        let artifact = try XCTUnwrap(Data(base64Encoded: "UEsDBAAAAAAIAAIAAAAAAAAAAQAAAAAAAADlAgAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAXAAAAAAAAAAAAAAAAAAAAUEsDBBQAAAAAAAAAIQAizAb5mAAAAJgAAAANAAAAfnVtc190eXBlLm5weZNOVU1QWSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCgAAAAAAICgzLCAzKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAAAAAAAAAABAAAAAAAAAAIAAAAAAAAAAQAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAUEsDBBQAAAAAAAAAIQAizAb5mAAAAJgAAAANAAAAbnVtc190eXBlLm5weZNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpNCcsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaAMAAAAAAAAAAwAAAAAAAAADAAAAAAAAAFBLAQIUAFJhbmdlAAAAIQBuBtRr4AAAAOAAAAAOAAAAAAAAAAAAAAAAAAAAAACMlmFpbl9kYXRhLm5weVBLAQIUABQAAAAAAAAAIQAizAb5mAAAAJgAAAAAAAAAAgAAAAAAAAAAAABAAAAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAPsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAFBLAwQUAAAADQAAAACXAAAAAAAAAAAADAEAAG51bXNfdHlwZS5ucHlQSwUGAAB0eXBlLgB3AAAAzwEAAAAA"))
        XCTAssertEqual(artifact.count, 771)
        let url = try folder.write("hang.npz", bytes: [UInt8](artifact))
        let archive = try NPZArchive(url: url)
        XCTAssertFalse(archive.arrayNames.isEmpty)
        for name in archive.arrayNames {
            assertInvalidInput(try archive.array(named: name), file: "hang.npz", line: nil, field: name,
                               reasonContains: "damaged or truncated member")
        }
    }

    /// A DEFLATED member cut short inside its stream: refused with its name, not hung, and a sound one beside it still reads.
    func testTruncatedDeflateStreamIsRefused() throws {
        let folder = try TemporaryFolder()
        let url = folder.url.appendingPathComponent("cut.npz")
        let values = try NPYArray(shape: [500], float64: (0..<500).map { sin(Double($0)) })
        let payload = NPYWriter.encode(values)
        let archive = try Archive(url: url, accessMode: .create)
        for name in ["a.npy", "b.npy"] {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(payload.count), compressionMethod: .deflate) { position, size in
                payload.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        XCTAssertEqual(try NPZArchive(url: url).array(named: "b"), values)
        // Zero 80 bytes inside member a's compressed stream (500 doubles of a sine compress to far more).
        var bytes = [UInt8](try Data(contentsOf: url))
        let start = try XCTUnwrap((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == [0x50, 0x4B, 0x03, 0x04] })
        let dataStart = start + 30 + Int(bytes[start + 26]) + Int(bytes[start + 28])
        for i in (dataStart + 40)..<(dataStart + 120) { bytes[i] = 0 }
        try Data(bytes).write(to: url)
        assertInvalidInput(try NPZArchive(url: url).array(named: "a"), file: "cut.npz", line: nil, field: "a",
                           reasonContains: "damaged or truncated member")
        XCTAssertEqual(try NPZArchive(url: url).array(named: "b"), values)
    }

    func testOrderAboveTheLimitIsRefused() throws {
        let folder = try TemporaryFolder()
        let members = Array(repeating: "a", count: 17).joined(separator: ", ")
        let url = try folder.write("manifest.yaml", """
            name: wide
            modalities: {a: {}}
            relations:
              r: {members: [\(members)], task: link, train: {file: t.tsv}}
            """)
        assertInvalidInput(try Manifest.load(from: url), file: "manifest.yaml", line: 4, field: "relations.r.members",
                           reasonContains: "17 members is above the limit of 16")
    }

    func testSettingsBeyondTheLimitsAreRefusedBeforeAllocating() throws {
        var data = Dataset(name: "limits")
        try data.addModality(Modality(name: "a", count: 3_000_000))
        try data.addModality(Modality(name: "b", count: 3))
        var configuration = TrainingConfiguration()
        configuration.dimensions = 1024
        XCTAssertThrowsError(try InputLimits.check(data, configuration)) { error in
            XCTAssertTrue("\(error)".contains("modality 'a': 3000000 items × 1024 columns"), "\(error)")
        }
        configuration.dimensions = 5000
        XCTAssertThrowsError(try InputLimits.check(data, configuration)) { error in
            XCTAssertEqual("\(error)", "invalid argument: dimensions 5000 is above the limit of 4096")
        }
        configuration.dimensions = 16
        configuration.threads = 100_000
        XCTAssertThrowsError(try InputLimits.check(data, configuration)) { error in
            XCTAssertEqual("\(error)", "invalid argument: threads 100000 is above the limit of 1024")
        }
        configuration.threads = 2
        XCTAssertNoThrow(try InputLimits.check(data, configuration))
    }

    // MARK: Names become file names

    func testPathLikeNamesAreRefused() throws {
        let folder = try TemporaryFolder()
        assertInvalidInput(try Manifest.load(from: try manifest(folder, user: "../../evil: {}")), file: "manifest.yaml", line: 3,
                           field: "modalities.../../evil", reasonContains: "not a plain name")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, relationName: "\"a/b\"")), file: "manifest.yaml", line: 6,
                           field: "relations.a/b", reasonContains: "not a plain name")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, name: "../runs")), file: "manifest.yaml", line: 1,
                           field: "name", reasonContains: "not a plain name")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, name: ".hidden")), file: "manifest.yaml", line: 1,
                           field: "name", reasonContains: "not a plain name")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, name: String(repeating: "n", count: 101))), file: "manifest.yaml",
                           line: 1, field: "name", reasonContains: "101 characters; at most 100")
        assertInvalidInput(try Manifest.load(from: try manifest(folder, user: "\"a\\\\b\": {}")), file: "manifest.yaml", line: 3,
                           field: "modalities.a\\b", reasonContains: "not a plain name")
        // The limit: 100 characters, for modalities and relations alike.
        let longest = String(repeating: "m", count: 100)
        let manifest = try Manifest.load(from: try manifest(folder, relationName: longest))
        XCTAssertEqual(manifest.relations.map(\.name), [longest])
        XCTAssertNil(InputLimits.problem(withName: "ml-latest-small_2.v1"))
        // Absolute names, NUL and the other separator are not plain either.
        for name in ["/etc/passwd", "a\u{0}b", "a\\b", "..", "a/../b"] {
            XCTAssertNotNil(InputLimits.problem(withName: name), name)
        }
    }

    // MARK: Values that would make the loss infinite

    func testRelationWeightOutsideItsRangeIsRefused() throws {
        let folder = try TemporaryFolder()
        for weight in ["1e30", "-5", "0"] {
            let url = try manifest(folder, relationExtra: "\n    weight: \(weight)")
            assertInvalidInput(try Manifest.load(from: url), file: "manifest.yaml", line: 10, field: "relations.likes.weight",
                               reasonContains: "is outside (0, 1000000.0]")
        }
    }

    func testHugeRegressionValueIsRefused() throws {
        let folder = try TemporaryFolder()
        try folder.write("train.tsv", "u1\ti1\t4\nu2\ti2\t1e30\n")
        let url = try folder.write("manifest.yaml", """
            name: values
            modalities: {user: {}, item: {}}
            relations:
              rating: {members: [user, item], task: regression, train: {file: train.tsv, value: 2}}
            """)
        assertInvalidInput(try load(url), file: "train.tsv", line: 2, field: "column 2 (value)", reasonContains: "above the limit")
        try NPYWriter.write(try NPYArray(shape: [1, 3], float64: [0, 1, -1e20]), to: folder.url.appendingPathComponent("train.npy"))
        try folder.write("manifest.yaml", """
            name: values
            modalities: {user: {}, item: {}}
            relations:
              rating: {members: [user, item], task: regression, train: {file: train.npy, value: 2}}
            """)
        assertInvalidInput(try load(url), file: "train.npy", line: nil, field: "array", reasonContains: "row 0, column 2")
    }

    func testGraphWeightsArePositiveAndBounded() throws {
        let folder = try TemporaryFolder()
        for (weight, reason) in [("-1", "not positive"), ("0", "not positive"), ("1e30", "above the limit")] {
            try folder.write("graph.tsv", "u1\tu2\t1\nu2\tu1\t\(weight)\n")
            let url = try manifest(folder, user: "user: {graph: {file: graph.tsv, weight: 2}}")
            assertInvalidInput(try load(url), file: "graph.tsv", line: 2, field: "column 2 (weight)", reasonContains: reason)
        }
    }

    // MARK: Text that used to load silently wrong

    func testByteOrderMarkIsNotPartOfTheFirstID() throws {
        let reader = try DelimitedTextReader(bytes: [0xEF, 0xBB, 0xBF] + Array("u1\ti1\n".utf8), fileName: "bom.tsv")
        XCTAssertEqual(try reader.rows().map(\.fields), [["u1", "i1"]])
    }

    func testInvalidUTF8NamesItsLine() throws {
        let bytes = Array("u1\ti1\nu2\ti".utf8) + [0xFF, 0xFE] + Array("\n".utf8)
        assertInvalidInput(try DelimitedTextReader(bytes: bytes, fileName: "bad.tsv"), file: "bad.tsv", line: 2, field: "encoding",
                           reasonContains: "byte 0xFF at byte offset 10 is not UTF-8")
        // Lines counted with CR and CRLF line ends too.
        assertInvalidInput(try DelimitedTextReader(bytes: Array("a\rb\r\nc".utf8) + [0xFF], fileName: "cr.tsv"), file: "cr.tsv", line: 3,
                           field: "encoding", reasonContains: "at byte offset 6")
        // Overlong forms and surrogates are not UTF-8 either; Latin-1 takes every byte.
        assertInvalidInput(try DelimitedTextReader(bytes: [0xC0, 0xAF], fileName: "o.tsv"), file: "o.tsv", line: 1, field: "encoding")
        assertInvalidInput(try DelimitedTextReader(bytes: [0xED, 0xA0, 0x80], fileName: "s.tsv"), file: "s.tsv", line: 1, field: "encoding")
        XCTAssertNoThrow(try DelimitedTextReader(bytes: Array("é€😀".utf8), fileName: "ok.tsv"))
        XCTAssertEqual(try DelimitedTextReader(bytes: bytes, fileName: "l.tsv", encoding: .latin1).rows().count, 2)
    }

    /// Classic Mac line ends used to turn a whole file into one row, of which the relation read one
    /// hyperedge; the first pass refused them. The issue asks that CR, like LF and CRLF, end a line.
    func testCarriageReturnLineEndsGiveTheSameRowsAsLineFeeds() throws {
        let text = "u1\ti1\n\nu2\t\"i\n2\"\nu3\ti3\n"
        let expected: [(line: Int, fields: [String])] = [(1, ["u1", "i1"]), (3, ["u2", "i\n2"]), (5, ["u3", "i3"])]
        for (name, lineEnd) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
            let bytes = Array(text.replacingOccurrences(of: "\n", with: lineEnd).utf8)
            let rows = try DelimitedTextReader(bytes: bytes, fileName: "\(name).tsv").rows()
            XCTAssertEqual(rows.map(\.line), expected.map(\.line), name)
            XCTAssertEqual(rows.map { $0.fields.map { $0.replacingOccurrences(of: lineEnd, with: "\n") } }, expected.map(\.fields), name)
        }
        // Mixed, and without a final line end.
        let mixed = try DelimitedTextReader(bytes: Array("a\tb\rc\td\r\ne\tf\ng\th".utf8), fileName: "mixed.tsv").rows()
        XCTAssertEqual(mixed.map(\.fields), [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        XCTAssertEqual(mixed.map(\.line), [1, 2, 3, 4])
        // Through a manifest: the CR file gives the same dataset as the LF one (three hyperedges, not one).
        let folder = try TemporaryFolder()
        let lf = try load(try manifest(folder, train: "u1\ti1\nu2\ti2\nu3\ti1\n"))
        let cr = try load(try manifest(folder, train: "u1\ti1\ru2\ti2\ru3\ti1\r"))
        XCTAssertEqual(cr.dataset.relations[0].train.members, lf.dataset.relations[0].train.members)
        XCTAssertEqual(cr.dataset.relations[0].train.count, 3)
        XCTAssertEqual(cr.dataset.modalities.map(\.ids), [["u1", "u2", "u3"], ["i1", "i2"]])
    }

    func testNULByteIsAnError() throws {
        let reader = try DelimitedTextReader(bytes: Array("u1\ti1\n".utf8) + [0x75, 0x00, 0x32], fileName: "utf16.tsv", encoding: .latin1)
        assertInvalidInput(try reader.rows(), file: "utf16.tsv", line: 2, field: "column 0", reasonContains: "NUL byte at byte offset 7")
    }

    /// IDs with line ends or tabs would break `M.ids.txt` and the TSV exports; empty ones name nothing.
    func testIDsWithLineEndsTabsOrNothingAreRefused() throws {
        let folder = try TemporaryFolder()
        var url = try manifest(folder, train: "u1\ti1\n\"u2\nx\"\ti2\n")
        assertInvalidInput(try load(url), file: "train.tsv", line: 2, field: "column 0 (user)", reasonContains: "holds a tab or a line end")
        url = try manifest(folder, train: "u1\t\"i\t1\"\n")
        assertInvalidInput(try load(url), file: "train.tsv", line: 1, field: "column 1 (item)", reasonContains: "holds a tab or a line end")
        url = try manifest(folder, train: "u1\ti1\n\"\"\ti2\n")
        assertInvalidInput(try load(url), file: "train.tsv", line: 2, field: "column 0 (user)", reasonContains: "empty ID")
    }
}
