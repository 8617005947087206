import FuzzSupport
import HyperLearn

/// The delimited-text reader and its typed field accessors. The first byte picks the delimiter,
/// the header flag and the encoding, so one corpus covers every format.
func fuzzDelimitedText(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = Fuzz.bytes(data, count)
    guard let selector = bytes.first else { return 0 }
    let delimiters = ["\t", ",", "|", " ", "::", ";", "\t\t", "ab"]
    let delimiter = delimiters[Int(selector & 7)]
    let encoding: TextEncoding = selector & 8 == 0 ? .utf8 : .latin1
    Fuzz.expectHyperLearnError {
        let reader = try DelimitedTextReader(bytes: Array(bytes.dropFirst()), fileName: "fuzz.tsv", delimiter: delimiter,
                                             hasHeader: selector & 16 != 0, encoding: encoding)
        _ = try reader.header()
        try reader.forEachRow { row in
            for column in 0...row.count {
                _ = try? row.identifier(at: column, name: "id")
                _ = try? row.double(at: column, name: "value")
                _ = try? row.float(at: column, name: "value")
                _ = try? row.int(at: column, name: "index")
                _ = row[column]
            }
        }
    }
    return 0
}

Fuzz.main(fuzzDelimitedText)
