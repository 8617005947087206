#if canImport(CZlib)
import CZlib
#endif

/// CRC-32 (IEEE 802.3, reflected polynomial `0xEDB88320`, the checksum of ZIP, PNG and gzip).
///
/// Guards checkpoints against torn or flipped bytes: a file whose payload no longer matches its
/// recorded checksum is refused before any of it is used.
///
/// ```swift
/// CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926
/// ```
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Continues the checksum `crc` (0 to start) over `bytes`.
    ///
    /// Through zlib's `crc32` where it is linked (several times faster than a byte table, which matters
    /// for archives of gigabytes), else the table below: the same checksum either way.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        #if canImport(CZlib)
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return crc }
        var c = uLong(crc), remaining = bytes.count
        while remaining > 0 {
            // zlib takes a 32-bit length.
            let piece = min(remaining, 1 << 30)
            c = crc32(c, base, uInt(piece))
            base += piece
            remaining -= piece
        }
        return UInt32(truncatingIfNeeded: c)
        #else
        return tableUpdate(crc, bytes)
        #endif
    }

    /// ``update(_:_:)`` from the table alone.
    static func tableUpdate(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        table.withUnsafeBufferPointer { table in
            for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        }
        return ~c
    }

    /// The checksum of `bytes` (an array, `Data` or any contiguous byte collection).
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ update(0, UnsafeRawBufferPointer($0)) }) { return crc }
        return Array(bytes).withUnsafeBytes { update(0, $0) }
    }
}
