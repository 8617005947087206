import Foundation
import ZIPFoundation

/// Writes several named arrays as an `.npz`: a ZIP archive of `.npy` members, STORED (uncompressed).
///
/// The archive is deterministic (fixed 1980-01-01 timestamps, no extra fields), so the same arrays
/// always give the same bytes. Members are named `NAME.npy`, in the order given.
public enum NPZWriter {
    /// The `.npz` bytes.
    /// - Parameter arrays: `(name, array)` pairs; names without the `.npy` suffix, unique.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` for duplicate names or members over 4 GiB (no ZIP64).
    public static func encode(_ arrays: [(name: String, array: NPYArray)]) throws -> Data {
        var seen = Set<String>()
        var out = [UInt8]()
        var central = [UInt8]()
        for (name, array) in arrays {
            let memberName = name.hasSuffix(".npy") ? name : name + ".npy"
            guard seen.insert(memberName).inserted else {
                throw HyperLearnError.invalidArgument("NPZWriter: duplicate array name '\(name)'")
            }
            let payload = NPYWriter.encode(array)
            let nameBytes = Array(memberName.utf8)
            guard payload.count < Int(UInt32.max), out.count < Int(UInt32.max), nameBytes.count < Int(UInt16.max) else {
                throw HyperLearnError.invalidArgument("NPZWriter: '\(name)' is too large for a ZIP without ZIP64")
            }
            let crc = payload.crc32(checksum: 0)
            let offset = UInt32(out.count)
            // Local file header.
            out.append(u32: 0x0403_4B50); out.append(u16: 20); out.append(u16: 0); out.append(u16: 0)
            out.append(u16: 0); out.append(u16: 0x21)
            out.append(u32: crc); out.append(u32: UInt32(payload.count)); out.append(u32: UInt32(payload.count))
            out.append(u16: UInt16(nameBytes.count)); out.append(u16: 0)
            out.append(contentsOf: nameBytes)
            out.append(contentsOf: payload)
            // Central directory entry.
            central.append(u32: 0x0201_4B50); central.append(u16: 20); central.append(u16: 20)
            central.append(u16: 0); central.append(u16: 0); central.append(u16: 0); central.append(u16: 0x21)
            central.append(u32: crc); central.append(u32: UInt32(payload.count)); central.append(u32: UInt32(payload.count))
            central.append(u16: UInt16(nameBytes.count)); central.append(u16: 0); central.append(u16: 0)
            central.append(u16: 0); central.append(u16: 0); central.append(u32: 0); central.append(u32: offset)
            central.append(contentsOf: nameBytes)
        }
        guard arrays.count < Int(UInt16.max), out.count < Int(UInt32.max) else {
            throw HyperLearnError.invalidArgument("NPZWriter: too many or too large arrays for a ZIP without ZIP64")
        }
        let centralOffset = UInt32(out.count)
        out.append(contentsOf: central)
        out.append(u32: 0x0605_4B50); out.append(u16: 0); out.append(u16: 0)
        out.append(u16: UInt16(arrays.count)); out.append(u16: UInt16(arrays.count))
        out.append(u32: UInt32(central.count)); out.append(u32: centralOffset); out.append(u16: 0)
        return Data(out)
    }

    /// Writes the arrays to `url` atomically (see ``AtomicFile``).
    public static func write(_ arrays: [(name: String, array: NPYArray)], to url: URL) throws {
        try AtomicFile.write(encode(arrays), to: url)
    }
}

private extension Array where Element == UInt8 {
    mutating func append(u16 value: UInt16) {
        append(UInt8(value & 0xFF)); append(UInt8(value >> 8))
    }
    mutating func append(u32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
}
