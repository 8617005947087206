import Foundation

/// How the bytes of a text file map to characters.
public enum TextEncoding: String, Sendable, CaseIterable {
    /// UTF-8 (a sequence that is not UTF-8 is an error naming its line and byte offset).
    case utf8
    /// ISO-8859-1: each byte is the Unicode scalar of the same value.
    case latin1
}

/// Reads delimited text (TSV, CSV, `|`- or space-separated) straight from its bytes.
///
/// - Delimiters may be one character or a string (`"\t"`, `","`, `"|"`, `"::"`).
/// - Fields may be quoted as in RFC 4180: `"a, b"` holds the delimiter, `""` stands for one quote,
///   and a quoted field may span lines (its row keeps the line number where it started).
/// - Lines end with LF, CRLF or a carriage return alone (classic Mac files), mixed freely; empty
///   lines are skipped. A NUL byte (a binary or UTF-16 file) outside quotes is an error, not data.
/// - UTF-8 files may start with a byte-order mark (skipped); a byte sequence that is not UTF-8 is an
///   error naming its line and byte offset, since decoding it would turn distinct IDs into the same `�`.
/// - With a single space as delimiter, runs of spaces count as one and leading or trailing spaces
///   are ignored (whitespace-separated files).
///
/// ```swift
/// let reader = try DelimitedTextReader(contentsOf: url, delimiter: "\t")
/// try reader.forEachRow { row in
///     let rating = try row.float(at: 2, name: "value")
/// }
/// ```
public struct DelimitedTextReader: Sendable {
    /// The file's bytes.
    public let bytes: [UInt8]
    /// The name used in error messages.
    public let fileName: String
    /// The delimiter's UTF-8 bytes.
    public let delimiter: [UInt8]
    /// Whether the first non-empty row is a header (returned by ``header()``, never by ``forEachRow(_:)``).
    public let hasHeader: Bool
    /// How field bytes become strings.
    public let encoding: TextEncoding

    /// A reader over bytes already in memory.
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - fileName: The name used in error messages.
    ///   - delimiter: The field separator, one character or more; it may not contain `"` or a line end.
    ///   - hasHeader: Whether the first non-empty row is a header.
    ///   - encoding: UTF-8 or Latin-1.
    public init(bytes: [UInt8], fileName: String, delimiter: String = "\t", hasHeader: Bool = false,
                encoding: TextEncoding = .utf8) throws {
        let delimiterBytes = Array(delimiter.utf8)
        guard !delimiterBytes.isEmpty,
              !delimiterBytes.contains(UInt8(ascii: "\"")),
              !delimiterBytes.contains(UInt8(ascii: "\n")),
              !delimiterBytes.contains(UInt8(ascii: "\r")) else {
            throw HyperLearnError.invalidInput(file: fileName, line: nil, field: "delimiter",
                                               reason: "delimiter \(String(reflecting: delimiter)) must be non-empty and hold no quote or line end")
        }
        if encoding == .utf8, let bad = UTF8Validation.firstInvalidByte(bytes) {
            let line = LineCounting.line(ofOffset: bad, in: bytes)
            throw HyperLearnError.invalidInput(file: fileName, line: line, field: "encoding",
                                               reason: "byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at byte offset \(bad) is not UTF-8; if the file is Latin-1, set `encoding: latin1`")
        }
        self.bytes = bytes
        self.fileName = fileName
        self.delimiter = delimiterBytes
        self.hasHeader = hasHeader
        self.encoding = encoding
    }

    /// A reader over a file.
    /// - Parameters:
    ///   - url: The file to read.
    ///   - fileName: The name used in error messages (default: the file's last path component).
    ///   - delimiter: The field separator.
    ///   - hasHeader: Whether the first non-empty row is a header.
    ///   - encoding: UTF-8 or Latin-1.
    public init(contentsOf url: URL, fileName: String? = nil, delimiter: String = "\t", hasHeader: Bool = false,
                encoding: TextEncoding = .utf8) throws {
        let name = fileName ?? url.lastPathComponent
        let data = try InputFile.read(url, file: name, field: "file")
        try self.init(bytes: [UInt8](data), fileName: name, delimiter: delimiter, hasHeader: hasHeader,
                      encoding: encoding)
    }

    /// The header row's fields, or `nil` when the reader has no header or the file is empty.
    public func header() throws -> [String]? {
        guard hasHeader else { return nil }
        var result: [String]?
        try scan(includeHeader: true) { row in
            result = row.fields
            return false
        }
        return result
    }

    /// Calls `body` with each data row in file order (the header, if any, is skipped).
    ///
    /// The row passed to `body` is valid for the call; copy what you need.
    public func forEachRow(_ body: (DelimitedRow) throws -> Void) throws {
        var isFirst = true
        try scan(includeHeader: true) { row in
            if isFirst && hasHeader {
                isFirst = false
                return true
            }
            isFirst = false
            try body(row)
            return true
        }
    }

    /// All data rows as `(line, fields)` (convenient for small files and tests).
    public func rows() throws -> [(line: Int, fields: [String])] {
        var result: [(line: Int, fields: [String])] = []
        try forEachRow { result.append(($0.line, $0.fields)) }
        return result
    }

    // Splits rows; `body` returns false to stop.
    private func scan(includeHeader: Bool, _ body: (DelimitedRow) throws -> Bool) throws {
        let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        let space = UInt8(ascii: " ")
        let collapse = delimiter == [space]
        let delimiterFirst = delimiter[0]
        let delimiterCount = delimiter.count
        var row = DelimitedRow(fileName: fileName, encoding: encoding)
        try bytes.withUnsafeBufferPointer { buffer in
            let n = buffer.count
            // A UTF-8 byte-order mark is not part of the first field.
            let hasBOM = encoding == .utf8 && n >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF
            var p = hasBOM ? 3 : 0
            var line = 1
            @inline(__always) func atDelimiter(_ q: Int) -> Bool {
                guard buffer[q] == delimiterFirst else { return false }
                if delimiterCount == 1 { return true }
                guard q + delimiterCount <= n else { return false }
                for k in 1..<delimiterCount where buffer[q + k] != delimiter[k] { return false }
                return true
            }
            @inline(__always) func atLineEnd(_ q: Int) -> Bool {
                buffer[q] == newline || buffer[q] == carriageReturn
            }
            while p < n {
                row.reset(line: line)
                var rowLinesSpanned = 0
                if collapse { while p < n && buffer[p] == space { p += 1 } }
                // One row: fields until the line end.
                var lineEnded = p >= n || atLineEnd(p)
                while !lineEnded {
                    row.beginField()
                    if buffer[p] == quote {
                        row.markQuoted()
                        p += 1
                        var closed = false
                        while p < n {
                            let byte = buffer[p]
                            if byte == quote {
                                if p + 1 < n && buffer[p + 1] == quote {
                                    row.append(quote)
                                    p += 2
                                } else {
                                    p += 1
                                    closed = true
                                    break
                                }
                            } else {
                                // LF, CRLF (counted at its LF) and a lone CR each end a line.
                                if byte == newline || (byte == carriageReturn && (p + 1 == n || buffer[p + 1] != newline)) {
                                    rowLinesSpanned += 1
                                }
                                row.append(byte)
                                p += 1
                            }
                        }
                        guard closed else {
                            throw HyperLearnError.invalidInput(file: fileName, line: line, field: "column \(row.count)",
                                                               reason: "quoted field is never closed")
                        }
                    }
                    // Unquoted bytes (or stray bytes after a closing quote, kept leniently).
                    while p < n && !atLineEnd(p) && !atDelimiter(p) {
                        let byte = buffer[p]
                        if byte == 0 {
                            throw HyperLearnError.invalidInput(
                                file: fileName, line: line + rowLinesSpanned, field: "column \(row.count)",
                                reason: "NUL byte at byte offset \(p): this is a binary or UTF-16 file, not delimited text")
                        }
                        row.append(byte)
                        p += 1
                    }
                    row.endField()
                    if p >= n || atLineEnd(p) {
                        lineEnded = true
                    } else {
                        p += delimiterCount
                        if collapse {
                            while p < n && buffer[p] == space { p += 1 }
                            if p >= n || atLineEnd(p) { lineEnded = true }
                        }
                    }
                }
                // Consume the line end: LF, CRLF or CR.
                if p < n && buffer[p] == carriageReturn {
                    p += 1
                    if p < n && buffer[p] == newline { p += 1 }
                } else if p < n && buffer[p] == newline {
                    p += 1
                }
                let isEmptyLine = row.count == 0 || (row.count == 1 && row.fieldIsEmpty(0) && !row.sawQuote)
                if !isEmptyLine {
                    if try !body(row) { return }
                }
                line += 1 + rowLinesSpanned
            }
        }
    }
}

/// One row of a delimited file (its 1-based line number and its fields) or of an SQLite query's
/// result (its 1-based row number).
public struct DelimitedRow: Sendable {
    /// The 1-based line where the row starts; for a query's row, its 1-based row number.
    public private(set) var line: Int = 0
    /// The result columns' names when the row comes from an SQLite query (errors name the row and
    /// the column, since a database has no lines); `nil` for a text file.
    let queryColumns: [String]?
    /// Which fields were SQL NULL (query rows only), so that an error says NULL, not "".
    private var nullFields: [Bool] = []
    /// The file name used in errors.
    public let fileName: String
    let encoding: TextEncoding
    private var storage: [UInt8] = []
    private var starts: [Int] = []
    private var ends: [Int] = []
    private(set) var sawQuote = false

    init(fileName: String, encoding: TextEncoding, queryColumns: [String]? = nil) {
        self.fileName = fileName
        self.encoding = encoding
        self.queryColumns = queryColumns
        storage.reserveCapacity(256)
        starts.reserveCapacity(32)
        ends.reserveCapacity(32)
    }

    mutating func reset(line: Int) {
        self.line = line
        storage.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        nullFields.removeAll(keepingCapacity: true)
        sawQuote = false
    }

    /// Appends a whole field (a query's value); `isNull` marks SQL NULL.
    mutating func appendField<C: Collection>(_ bytes: C, isNull: Bool = false) where C.Element == UInt8 {
        beginField()
        storage.append(contentsOf: bytes)
        endField()
        nullFields.append(isNull)
    }

    @inline(__always) mutating func beginField() { starts.append(storage.count) }
    @inline(__always) mutating func append(_ byte: UInt8) { storage.append(byte) }
    mutating func markQuoted() { sawQuote = true }
    @inline(__always) mutating func endField() { ends.append(storage.count) }
    func fieldIsEmpty(_ index: Int) -> Bool { starts[index] == ends[index] }

    /// What ``line`` counts, for messages: `line` in a text file, `query row` in a query's result.
    public var placeName: String { queryColumns == nil ? "line" : "query row" }

    /// Number of fields.
    public var count: Int { ends.count }

    /// All fields as strings.
    public var fields: [String] { (0..<count).map { decode($0) } }

    /// Field `index` as a string, or `nil` when the row is shorter.
    public subscript(index: Int) -> String? {
        index >= 0 && index < count ? decode(index) : nil
    }

    /// Field `index` as a string.
    /// - Parameters:
    ///   - index: 0-based column.
    ///   - name: What the column holds, for the error (`"id"`, `"value"`).
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` when the row is too short.
    public func string(at index: Int, name: String) throws -> String {
        try checkColumn(index, name: name)
        return decode(index)
    }

    /// Field `index` as an item ID: non-empty, and free of tabs and line ends, which would break the
    /// one-ID-per-line and tab-separated files that runs export.
    public func identifier(at index: Int, name: String) throws -> String {
        let id = try string(at: index, name: name)
        guard !id.isEmpty else { throw fieldError(index, name: name, reason: "empty ID") }
        if id.unicodeScalars.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) {
            throw fieldError(index, name: name, reason: "ID \(HyperLearnError.quoted(String(reflecting: id))) holds a tab or a line end")
        }
        return id
    }

    /// Field `index` as a finite `Double`; rejects text, NaN and infinities.
    /// - Parameters:
    ///   - index: 0-based column.
    ///   - name: What the column holds, for the error.
    public func double(at index: Int, name: String) throws -> Double {
        try checkColumn(index, name: name)
        let (start, end) = trimmed(index)
        if let value = storage.withUnsafeBufferPointer({ NumberParsing.integer($0, start, end) }) {
            return Double(value)
        }
        let text = decode(index)
        guard start < end, let value = Double(text.trimmingCharacters(in: .whitespaces)) else {
            throw fieldError(index, name: name, reason: "not a number: \(HyperLearnError.quoted(text))")
        }
        guard value.isFinite else {
            throw fieldError(index, name: name, reason: "not a finite number: \(HyperLearnError.quoted(text))")
        }
        return value
    }

    /// Field `index` as a finite `Float` (see ``double(at:name:)``).
    public func float(at index: Int, name: String) throws -> Float {
        let value = try double(at: index, name: name)
        let single = Float(value)
        guard single.isFinite else {
            throw fieldError(index, name: name, reason: "\(value) overflows a 32-bit float")
        }
        return single
    }

    /// Field `index` as an `Int`; rejects text and fractions.
    public func int(at index: Int, name: String) throws -> Int {
        try checkColumn(index, name: name)
        let (start, end) = trimmed(index)
        if let value = storage.withUnsafeBufferPointer({ NumberParsing.integer($0, start, end) }) {
            return value
        }
        throw fieldError(index, name: name, reason: "not an integer: \(HyperLearnError.quoted(decode(index)))")
    }

    /// The error for field `index`, naming file, line and column.
    public func fieldError(_ index: Int, name: String, reason: String) -> HyperLearnError {
        guard let queryColumns else {
            return .invalidInput(file: fileName, line: line, field: "column \(index) (\(name))", reason: reason)
        }
        let column = index >= 0 && index < queryColumns.count ? " \(HyperLearnError.quoted(queryColumns[index]))" : ""
        let null = index >= 0 && index < nullFields.count && nullFields[index] ? " (the query gave NULL)" : ""
        return .invalidInput(file: fileName, line: nil, field: "query row \(line), column \(index)\(column) (\(name))",
                             reason: reason + null)
    }

    private func checkColumn(_ index: Int, name: String) throws {
        guard index >= 0 && index < count else {
            throw fieldError(index, name: name, reason: "row has \(count) column(s); column \(index) is needed")
        }
    }

    private func trimmed(_ index: Int) -> (Int, Int) {
        var start = starts[index], end = ends[index]
        while start < end && (storage[start] == 0x20 || storage[start] == 0x09) { start += 1 }
        while end > start && (storage[end - 1] == 0x20 || storage[end - 1] == 0x09) { end -= 1 }
        return (start, end)
    }

    private func decode(_ index: Int) -> String {
        let slice = storage[starts[index]..<ends[index]]
        return TextDecoding.decode(slice, encoding)
    }
}

enum TextDecoding {
    static func decode<C: Collection>(_ bytes: C, _ encoding: TextEncoding) -> String where C.Element == UInt8 {
        switch encoding {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            var scalars = String.UnicodeScalarView()
            for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
            return String(scalars)
        }
    }
}

enum UTF8Validation {
    /// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong
    /// forms, surrogates and code points above U+10FFFF included), or nil.
    static func firstInvalidByte(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { b in
            let n = b.count
            var p = 0
            while p < n {
                let lead = b[p]
                if lead < 0x80 { p += 1; continue }
                let length: Int, low: UInt8, high: UInt8
                switch lead {
                case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
                case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
                case 0xED: (length, low, high) = (3, 0x80, 0x9F)
                case 0xE1...0xEF: (length, low, high) = (3, 0x80, 0xBF)
                case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
                case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
                case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
                default: return p
                }
                guard p + length <= n, (low...high).contains(b[p + 1]) else { return p }
                for k in 2..<max(2, length) where b[p + k] & 0xC0 != 0x80 { return p }
                p += length
            }
            return nil
        }
    }
}

enum LineCounting {
    /// The 1-based line holding byte `offset`: LF, CRLF and a lone CR each end a line.
    static func line(ofOffset offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        var q = 0
        while q < offset {
            if bytes[q] == UInt8(ascii: "\n") || (bytes[q] == UInt8(ascii: "\r") && (q + 1 >= bytes.count || bytes[q + 1] != UInt8(ascii: "\n"))) {
                line += 1
            }
            q += 1
        }
        return line
    }
}

enum NumberParsing {
    /// A decimal integer with optional sign, or nil (also on overflow).
    @inline(__always)
    static func integer(_ buffer: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var p = start
        guard p < end else { return nil }
        var negative = false
        if buffer[p] == UInt8(ascii: "-") || buffer[p] == UInt8(ascii: "+") {
            negative = buffer[p] == UInt8(ascii: "-")
            p += 1
        }
        guard p < end else { return nil }
        var value = 0
        while p < end {
            let digit = Int(buffer[p]) - 48
            guard digit >= 0 && digit <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(digit) : m.addingReportingOverflow(digit)
            guard !o1 && !o2 else { return nil }
            value = s
            p += 1
        }
        return value
    }
}
