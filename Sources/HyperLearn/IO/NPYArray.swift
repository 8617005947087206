import Foundation

/// An array read from (or written to) NumPy's `.npy` format: a dtype, a C-order shape and raw bytes.
///
/// Numeric dtypes (`i1 i2 i4 i8 u1 u2 u4 u8 f4 f8 b1`, either byte order) convert with
/// ``int64Values()`` and ``doubleValues()``. Other dtypes (`|O` pickled objects, `|S` byte strings,
/// `<U` text) are read without being decoded, so an `.npz` holding them can still be listed and its
/// numeric members read; converting them throws.
///
/// Format: `\x93NUMPY`, major and minor version (1.0, 2.0 or 3.0), the header length (2 bytes in
/// 1.0, 4 bytes after), an ASCII dict `{'descr': '<i8', 'fortran_order': False, 'shape': (3, 2), }`,
/// then the elements. See <https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html>.
public struct NPYArray: Sendable, Equatable {
    /// The element type, as NumPy's `descr` string describes it.
    public struct DType: Sendable, Equatable, CustomStringConvertible {
        /// What kind of scalar an element is.
        public enum Kind: Sendable, Equatable {
            case signedInteger, unsignedInteger, float, bool
            /// `|S` fixed-size byte strings, `<U` fixed-size UTF-32 text.
            case bytes, unicode
            /// `|O`: pickled Python objects (not decodable here).
            case object
            /// Anything else (structured dtypes, complex numbers, dates).
            case other
        }

        /// The `descr` string, e.g. `<i8`.
        public let descr: String
        public let kind: Kind
        /// Bytes per element (0 when unknown).
        public let byteSize: Int
        /// Whether multi-byte elements are stored big-endian.
        public let isBigEndian: Bool

        /// Parses a `descr` string; unknown ones become ``Kind/other``.
        public init(descr: String) {
            self.descr = descr
            let scalars = Array(descr.unicodeScalars)
            guard scalars.count >= 2, "<>|=".unicodeScalars.contains(scalars[0]) else {
                kind = descr == "O" ? .object : .other
                byteSize = 0
                isBigEndian = false
                return
            }
            isBigEndian = scalars[0] == ">"
            let size = Int(String(String.UnicodeScalarView(scalars.dropFirst(2)))) ?? 0
            switch scalars[1] {
            case "i": kind = [1, 2, 4, 8].contains(size) ? .signedInteger : .other; byteSize = size
            case "u": kind = [1, 2, 4, 8].contains(size) ? .unsignedInteger : .other; byteSize = size
            case "f": kind = [4, 8].contains(size) ? .float : .other; byteSize = size
            case "b": kind = size == 1 ? .bool : .other; byteSize = size
            case "S": kind = .bytes; byteSize = size
            case "U": kind = .unicode; byteSize = 4 * size
            case "O": kind = .object; byteSize = 0
            default: kind = .other; byteSize = 0
            }
        }

        /// Whether ``NPYArray/int64Values()`` and ``NPYArray/doubleValues()`` can read it.
        public var isNumeric: Bool { [.signedInteger, .unsignedInteger, .float, .bool].contains(kind) }

        public static let int64 = DType(descr: "<i8")
        public static let float32 = DType(descr: "<f4")
        public static let float64 = DType(descr: "<f8")

        public var description: String { descr }
    }

    public let dtype: DType
    /// Dimensions in C (row-major) order; `[]` for a 0-d scalar.
    public let shape: [Int]
    /// The element bytes as stored (for `|O`, the pickle stream).
    public let data: [UInt8]
    /// The file and array name used in errors (not part of equality).
    public var origin: (file: String, array: String) = ("<memory>", "array")

    /// Number of elements (1 for a 0-d array).
    public var count: Int { shape.reduce(1, *) }

    public static func == (lhs: NPYArray, rhs: NPYArray) -> Bool {
        lhs.dtype == rhs.dtype && lhs.shape == rhs.shape && lhs.data == rhs.data
    }

    /// An array over raw element bytes.
    /// - Parameters:
    ///   - dtype: The element type.
    ///   - shape: C-order dimensions.
    ///   - data: The element bytes; for fixed-size dtypes exactly `count * dtype.byteSize` of them.
    public init(dtype: DType, shape: [Int], data: [UInt8]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw HyperLearnError.invalidArgument("NPYArray: negative dimension in \(shape)")
        }
        if dtype.byteSize > 0 && dtype.kind != .object {
            let (elements, overflow1) = shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
            }
            let (bytes, overflow2) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow1 && !overflow2 && bytes == data.count else {
                throw HyperLearnError.invalidArgument("NPYArray: \(data.count) bytes for shape \(shape) of \(dtype)")
            }
        }
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    /// A `<i8` array.
    public init(shape: [Int], int64 values: [Int64]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        try self.init(dtype: .int64, shape: shape, data: bytes)
    }

    /// A `<f4` array.
    public init(shape: [Int], float32 values: [Float]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try self.init(dtype: .float32, shape: shape, data: bytes)
    }

    /// A `<f8` array.
    public init(shape: [Int], float64 values: [Double]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try self.init(dtype: .float64, shape: shape, data: bytes)
    }

    /// Parses `.npy` bytes.
    /// - Parameters:
    ///   - npyBytes: The whole `.npy` file.
    ///   - file: The file name used in errors.
    ///   - array: The array name used in errors (an `.npz` member).
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` for a bad magic, header,
    ///   Fortran order or too few data bytes.
    public init(npyBytes bytes: [UInt8], file: String, array: String = "array") throws {
        func fail(_ reason: String) -> HyperLearnError {
            .invalidInput(file: file, line: nil, field: array, reason: reason)
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy array (missing the \\x93NUMPY magic)")
        }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerStart = 12
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let parsed = try NPYHeader.parse(header, fail: fail)
        guard !parsed.fortranOrder else {
            throw fail("fortran_order True is not supported; save the array in C order (numpy.ascontiguousarray)")
        }
        let dtype = DType(descr: parsed.descr)
        let payloadStart = headerStart + headerLength
        var payloadEnd = bytes.count
        if dtype.byteSize > 0 && dtype.kind != .object && dtype.kind != .other {
            let (elements, overflow1) = parsed.shape.reduce((1, false)) { acc, d in
                let r = acc.0.multipliedReportingOverflow(by: d); return (r.partialValue, acc.1 || r.overflow)
            }
            let (needed, overflow2) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow1 && !overflow2 && needed <= bytes.count - payloadStart else {
                throw fail("truncated: shape \(parsed.shape) of \(dtype) needs \(overflow1 || overflow2 ? "too many" : String(needed)) bytes, found \(bytes.count - payloadStart)")
            }
            payloadEnd = payloadStart + needed
        }
        self.dtype = dtype
        self.shape = parsed.shape
        // One copy of the elements (tables of gigabytes are read this way).
        self.data = Array(bytes[payloadStart..<payloadEnd])
        self.origin = (file, array)
    }

    /// Reads a `.npy` file.
    /// - Parameters:
    ///   - url: The file.
    ///   - fileName: The name used in errors (default: the last path component).
    public static func read(contentsOf url: URL, fileName: String? = nil) throws -> NPYArray {
        let name = fileName ?? url.lastPathComponent
        let data = try InputFile.read(url, file: name, field: "file")
        return try NPYArray(npyBytes: [UInt8](data), file: name, array: url.deletingPathExtension().lastPathComponent)
    }

    /// The elements as `Int64`: integers and booleans exactly; floats only when integral.
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` for non-numeric dtypes,
    ///   non-integral floats and `u8` values above `Int64.max`.
    public func int64Values() throws -> [Int64] {
        try requireNumeric()
        if let copied = nativeCopy(Int64.self, descr: "<i8") { return copied }
        var result = [Int64](repeating: 0, count: count)
        switch dtype.kind {
        case .float:
            let doubles = try doubleValues()
            for (i, d) in doubles.enumerated() {
                guard d.isFinite, d == d.rounded(), let v = Int64(exactly: d) else {
                    throw conversionError("element \(i) is \(d), not an integer")
                }
                result[i] = v
            }
        default:
            for i in 0..<count {
                let raw = element(i)
                if dtype.kind == .signedInteger {
                    let shift = UInt64(64 - dtype.byteSize * 8)
                    result[i] = Int64(bitPattern: raw << shift) >> Int64(shift)
                } else {
                    guard raw <= UInt64(Int64.max) else {
                        throw conversionError("element \(i) is \(raw), above Int64.max")
                    }
                    result[i] = Int64(raw)
                }
            }
        }
        return result
    }

    /// The elements as `Double` (64-bit integers above 2⁵³ lose precision).
    public func doubleValues() throws -> [Double] {
        try requireNumeric()
        if let copied = nativeCopy(Double.self, descr: "<f8") { return copied }
        if let floats = nativeCopy(Float.self, descr: "<f4") { return floats.map { Double($0) } }
        var result = [Double](repeating: 0, count: count)
        switch dtype.kind {
        case .float:
            for i in 0..<count {
                let raw = element(i)
                result[i] = dtype.byteSize == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
                                                : Double(bitPattern: raw)
            }
        case .signedInteger:
            for (i, v) in try int64Values().enumerated() { result[i] = Double(v) }
        default:
            for i in 0..<count { result[i] = Double(element(i)) }
        }
        return result
    }

    /// The elements as `Float` (`<f4` as stored; other numeric types through ``doubleValues()``,
    /// rounded to the nearest `Float`).
    public func floatValues() throws -> [Float] {
        try requireNumeric()
        if let copied = nativeCopy(Float.self, descr: "<f4") { return copied }
        return try doubleValues().map { Float($0) }
    }

    /// The elements copied as they lie when the array's type is `descr` and that is the host's
    /// layout (only trivial types: `Int64`, `Float`, `Double`): one `memcpy` instead of a conversion
    /// per element.
    private func nativeCopy<T>(_: T.Type, descr: String) -> [T]? {
        #if _endian(little)
        guard dtype.descr == descr, data.count == count * MemoryLayout<T>.stride else { return nil }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            data.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
            initialized = count
        }
        #else
        return nil
        #endif
    }

    private func requireNumeric() throws {
        guard dtype.isNumeric else {
            let what: String
            switch dtype.kind {
            case .object: what = "holds pickled Python objects (dtype |O), which cannot be read as numbers"
            case .bytes, .unicode: what = "holds strings (dtype \(dtype)), not numbers"
            default: what = "has unsupported dtype '\(dtype)'"
            }
            throw conversionError(what)
        }
    }

    private func conversionError(_ reason: String) -> HyperLearnError {
        .invalidInput(file: origin.file, line: nil, field: origin.array, reason: reason)
    }

    // Element i's bytes as an unsigned integer in host order.
    @inline(__always)
    private func element(_ i: Int) -> UInt64 {
        let size = dtype.byteSize
        var value: UInt64 = 0
        let base = i * size
        if dtype.isBigEndian {
            for k in 0..<size { value = value << 8 | UInt64(data[base + k]) }
        } else {
            for k in stride(from: size - 1, through: 0, by: -1) { value = value << 8 | UInt64(data[base + k]) }
        }
        return value
    }
}

/// The dict at the start of an `.npy` file.
enum NPYHeader {
    static func parse(_ text: String, fail: (String) -> HyperLearnError) throws
        -> (descr: String, fortranOrder: Bool, shape: [Int]) {
        func valueText(after key: String) throws -> Substring {
            guard let keyRange = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\""),
                  let colon = text[keyRange.upperBound...].firstIndex(of: ":") else {
                throw fail("the .npy header has no '\(key)': \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            return text[text.index(after: colon)...].drop(while: { $0 == " " })
        }
        let descrText = try valueText(after: "descr")
        let descr: String
        if let q = descrText.first, q == "'" || q == "\"", let close = descrText.dropFirst().firstIndex(of: q) {
            descr = String(descrText[descrText.index(after: descrText.startIndex)..<close])
        } else {
            descr = "structured"  // a list of fields: kept, but not convertible
        }
        let fortranText = try valueText(after: "fortran_order")
        let fortran: Bool
        if fortranText.hasPrefix("True") { fortran = true } else if fortranText.hasPrefix("False") { fortran = false } else {
            throw fail("the .npy header's fortran_order is neither True nor False")
        }
        let shapeText = try valueText(after: "shape")
        guard shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw fail("the .npy header's shape is not a tuple")
        }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex)..<close].split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if trimmed.isEmpty { continue }
            guard let d = Int(trimmed), d >= 0 else { throw fail("bad dimension '\(trimmed)' in the .npy shape") }
            shape.append(d)
        }
        return (descr, fortran, shape)
    }
}
