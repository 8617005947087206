@testable import HyperLearn
import XCTest

final class DelimitedTextReaderIOTests: XCTestCase {
    func testQuotesCRLFHeaderAndEmptyLines() throws {
        let text = "movieId,title,genres\r\n1,\"Toy Story (1995)\",Animation\r\n\r\n2,\"Say \"\"Hi\"\", Bob\",Comedy|Drama\r\n3,\"two\nlines\",\r\n4,x,y"
        let reader = try DelimitedTextReader(bytes: Array(text.utf8), fileName: "movies.csv", delimiter: ",", hasHeader: true)
        XCTAssertEqual(try reader.header(), ["movieId", "title", "genres"])
        let rows = try reader.rows()
        XCTAssertEqual(rows.map(\.line), [2, 4, 5, 7])
        XCTAssertEqual(rows[0].fields, ["1", "Toy Story (1995)", "Animation"])
        XCTAssertEqual(rows[1].fields, ["2", "Say \"Hi\", Bob", "Comedy|Drama"])
        XCTAssertEqual(rows[2].fields, ["3", "two\nlines", ""])
        XCTAssertEqual(rows[3].fields, ["4", "x", "y"])
    }

    func testLatin1AndPipeDelimiter() throws {
        // "Café" in ISO-8859-1: 0xE9 alone is not valid UTF-8.
        let bytes: [UInt8] = Array("7|Caf".utf8) + [0xE9] + Array("|0|1\n".utf8)
        let reader = try DelimitedTextReader(bytes: bytes, fileName: "u.item", delimiter: "|", encoding: .latin1)
        XCTAssertEqual(try reader.rows().first?.fields, ["7", "Café", "0", "1"])
    }

    func testStringDelimiterAndSpaceRuns() throws {
        let multi = try DelimitedTextReader(bytes: Array("1::2::3.5\n".utf8), fileName: "r.dat", delimiter: "::")
        XCTAssertEqual(try multi.rows().first?.fields, ["1", "2", "3.5"])
        let spaced = try DelimitedTextReader(bytes: Array("  a  b c \n   \nd\n".utf8), fileName: "p.txt", delimiter: " ")
        XCTAssertEqual(try spaced.rows().map(\.fields), [["a", "b", "c"], ["d"]])
        XCTAssertEqual(try spaced.rows().map(\.line), [1, 3])
    }

    func testNumbersAndTheirErrors() throws {
        let text = "1\t2\t3.5\n1\t2\tx\n1\t2\tnan\n1\t2\tinf\n1\t2\n1\t2.5\t3\n"
        let reader = try DelimitedTextReader(bytes: Array(text.utf8), fileName: "u1.base")
        var rows: [DelimitedRow] = []
        try reader.forEachRow { rows.append($0) }
        XCTAssertEqual(try rows[0].float(at: 2, name: "value"), 3.5)
        XCTAssertEqual(try rows[0].int(at: 1, name: "item"), 2)
        assertInvalidInput(try rows[1].float(at: 2, name: "value"), file: "u1.base", line: 2, field: "column 2 (value)",
                           reasonContains: "not a number")
        assertInvalidInput(try rows[2].float(at: 2, name: "value"), file: "u1.base", line: 3, field: "column 2 (value)",
                           reasonContains: "finite")
        assertInvalidInput(try rows[3].double(at: 2, name: "value"), file: "u1.base", line: 4, field: "column 2 (value)")
        assertInvalidInput(try rows[4].float(at: 2, name: "value"), file: "u1.base", line: 5, field: "column 2 (value)",
                           reasonContains: "2 column(s)")
        assertInvalidInput(try rows[5].int(at: 1, name: "item"), file: "u1.base", line: 6, field: "column 1 (item)")
    }

    func testUnclosedQuoteIsAnError() throws {
        let reader = try DelimitedTextReader(bytes: Array("a,b\nc,\"d\n".utf8), fileName: "x.csv", delimiter: ",")
        assertInvalidInput(try reader.rows(), file: "x.csv", line: 2, field: "column 1", reasonContains: "never closed")
    }

    func testManyLinesParseQuickly() throws {
        var text = ""
        for i in 0..<50_000 { text += "\(i % 943 + 1)\t\(i % 1682 + 1)\t\(i % 5 + 1)\t8812\(i)\n" }
        let reader = try DelimitedTextReader(bytes: Array(text.utf8), fileName: "big.tsv")
        var sum: Float = 0, count = 0
        try reader.forEachRow { row in
            sum += try row.float(at: 2, name: "value")
            count += 1
        }
        XCTAssertEqual(count, 50_000)
        XCTAssertEqual(sum, 150_000)
    }
}
