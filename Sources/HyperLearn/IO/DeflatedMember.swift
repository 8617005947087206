import Foundation
#if canImport(CZlib)
import CZlib
#endif

/// A DEFLATED member of a ZIP file, inflated with zlib from at most its compressed bytes.
///
/// ZIPFoundation's Linux decoder feeds zlib until the stream ends and never stops at the end of the
/// file, so a member whose stream is truncated or never ends spins forever (the NPZ fuzzer found one:
/// 771 bytes that hang it). Here the input is the member's declared compressed bytes and nothing more,
/// the output stops at its declared size, and the result must match the central directory's CRC-32.
enum DeflatedMember {
    /// Whether this platform inflates members here (Linux, with zlib) rather than through ZIPFoundation.
    static var isAvailable: Bool {
        #if canImport(CZlib)
        return true
        #else
        return false
        #endif
    }

    /// The member called `path`: its local header is found by signature and name (each candidate
    /// header in turn, until one's bytes inflate to `uncompressedSize` bytes with checksum `crc`).
    /// - Throws: a reason, in words, when no candidate does.
    static func bytes(in file: Data, path: String, compressedSize: Int, uncompressedSize: Int, crc: UInt32) throws -> [UInt8] {
        let name = Array(path.utf8)
        var failure = "no local header named '\(path)'"
        var start = file.startIndex
        let signature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        while let found = file[start...].firstRange(of: signature) {
            start = found.lowerBound + 1
            let header = found.lowerBound
            guard header + 30 <= file.endIndex else { break }
            let nameLength = Int(file[header + 26]) | Int(file[header + 27]) << 8
            let extraLength = Int(file[header + 28]) | Int(file[header + 29]) << 8
            let dataStart = header + 30 + nameLength + extraLength
            guard header + 30 + nameLength <= file.endIndex, Array(file[(header + 30)..<(header + 30 + nameLength)]) == name else { continue }
            guard dataStart <= file.endIndex, compressedSize <= file.endIndex - dataStart else {
                failure = "its \(compressedSize) compressed bytes run past the end of the file"
                continue
            }
            do {
                let bytes = try inflate(file[dataStart..<(dataStart + compressedSize)], expected: uncompressedSize)
                guard CRC32.checksum(bytes) == crc else { failure = "checksum mismatch"; continue }
                return bytes
            } catch let reason as Reason {
                failure = reason.text
            }
        }
        throw Reason(text: failure)
    }

    struct Reason: Error { let text: String }

    /// Raw DEFLATE (no zlib header) of `input` into exactly `expected` bytes.
    private static func inflate(_ input: Data, expected: Int) throws -> [UInt8] {
        #if canImport(CZlib)
        var output = [UInt8](repeating: 0, count: expected)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Reason(text: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        // zlib only reads through `next_in`; the member's bytes are read in place, not copied.
        let result: Int32 = input.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { destination in
                let source = raw.bindMemory(to: Bytef.self)
                stream.next_in = source.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
                stream.avail_in = UInt32(clamping: source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = UInt32(clamping: destination.count)
                // One call with all the input and room for all the output: zlib stops at the end of
                // either, so this returns (no loop that could wait for more input).
                var status = CZlib.inflate(&stream, Z_FINISH)
                if status == Z_BUF_ERROR && stream.avail_out == 0 && stream.avail_in > 0 { status = Z_DATA_ERROR }
                return status
            }
        }
        guard result == Z_STREAM_END else {
            throw Reason(text: result == Z_BUF_ERROR ? "the compressed stream is truncated or longer than declared"
                                                       : "the compressed stream is damaged (zlib status \(result))")
        }
        guard Int(stream.total_out) == expected else {
            throw Reason(text: "it inflates to \(stream.total_out) bytes, not the declared \(expected)")
        }
        return output
        #else
        throw Reason(text: "zlib is not available on this platform")
        #endif
    }
}
