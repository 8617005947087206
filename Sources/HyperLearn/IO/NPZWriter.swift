import Foundation

/// Writes several named arrays as an `.npz`: a ZIP archive of `.npy` members, STORED (uncompressed).
///
/// The archive is deterministic (fixed 1980-01-01 timestamps, and no extra fields but ZIP64's where a
/// size or offset reaches 4 GiB), so the same arrays always give the same bytes. Members are named
/// `NAME.npy`, in the order given.
///
/// The payload form of `write` streams each member to the file, so an archive of gigabytes needs no
/// copy of its arrays in memory: each member's elements are produced twice, once for the ZIP header's
/// checksum and once for the file.
public enum NPZWriter {
    /// The `.npz` bytes.
    /// - Parameter arrays: `(name, array)` pairs; names without the `.npy` suffix, unique.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` for duplicate names.
    public static func encode(_ arrays: [(name: String, array: NPYArray)]) throws -> Data {
        var out = [UInt8]()
        try emit(arrays.map { ($0.name, NPYPayload($0.array)) }) { out.append(contentsOf: $0) }
        return Data(out)
    }

    /// Writes the arrays to `url` atomically (see ``AtomicFile``).
    public static func write(_ arrays: [(name: String, array: NPYArray)], to url: URL) throws {
        try write(arrays.map { ($0.name, NPYPayload($0.array)) }, to: url)
    }

    /// Writes the payloads to `url` atomically, streaming each one: on any error `url` is left as
    /// it was. Members or archives of 4 GiB or more are written as ZIP64, which NumPy, Python's
    /// `zipfile` and ``NPZArchive`` read; smaller ones keep the plain layout.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` for duplicate names;
    ///   ``HyperLearnError/io(path:reason:)`` when the file cannot be written.
    public static func write(_ members: [(name: String, payload: NPYPayload)], to url: URL) throws {
        try AtomicFile.write(to: url) { file in try emit(members) { try file.write($0) } }
    }

    /// Passes the archive's bytes, in order, to `sink`. A size or offset at or above `zip64From`
    /// takes its ZIP64 form (the tests lower it to exercise that layout without 4 GiB of data).
    static func emit(_ members: [(name: String, payload: NPYPayload)], zip64From: Int = Int(UInt32.max),
                     to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        var seen = Set<String>()
        var written = 0
        var central = [UInt8]()
        func send(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try sink($0) }
            written += bytes.count
        }
        for (name, payload) in members {
            let memberName = name.hasSuffix(".npy") ? name : name + ".npy"
            guard seen.insert(memberName).inserted else {
                throw HyperLearnError.invalidArgument("NPZWriter: duplicate array name '\(name)'")
            }
            let nameBytes = Array(memberName.utf8)
            guard nameBytes.count < 0xFFFF - 32 else {
                throw HyperLearnError.invalidArgument("NPZWriter: the array name '\(name.prefix(40))…' is too long for a ZIP")
            }
            let header = NPYWriter.header(dtype: payload.dtype, shape: payload.shape)
            let size = header.count + payload.byteCount
            let offset = written
            let largeSize = size >= zip64From, largeOffset = offset >= zip64From
            var crc = header.withUnsafeBytes { CRC32.update(0, $0) }
            try payload.produce { crc = CRC32.update(crc, $0) }

            let sizeField = largeSize ? UInt32.max : UInt32(size)
            var local = [UInt8]()
            local.append(u32: 0x0403_4B50); local.append(u16: largeSize ? 45 : 20); local.append(u16: 0); local.append(u16: 0)
            local.append(u16: 0); local.append(u16: 0x21)
            local.append(u32: crc); local.append(u32: sizeField); local.append(u32: sizeField)
            local.append(u16: UInt16(nameBytes.count)); local.append(u16: largeSize ? 20 : 0)
            local.append(contentsOf: nameBytes)
            if largeSize {
                local.append(u16: 0x0001); local.append(u16: 16); local.append(u64: UInt64(size)); local.append(u64: UInt64(size))
            }
            local.append(contentsOf: header)
            try send(local)
            var produced = 0
            try payload.produce { bytes in
                try sink(bytes)
                produced += bytes.count
            }
            // A payload that produced other bytes than it announced would leave a ZIP whose sizes lie.
            guard produced == payload.byteCount else {
                throw HyperLearnError.invalidArgument("NPZWriter: '\(name)' produced \(produced) bytes, not \(payload.byteCount)")
            }
            written += produced

            // The central entry's ZIP64 field holds, in this order, only the values too large for 32 bits.
            var extra = [UInt8]()
            if largeSize || largeOffset {
                extra.append(u16: 0x0001); extra.append(u16: UInt16((largeSize ? 16 : 0) + (largeOffset ? 8 : 0)))
                if largeSize { extra.append(u64: UInt64(size)); extra.append(u64: UInt64(size)) }
                if largeOffset { extra.append(u64: UInt64(offset)) }
            }
            let version: UInt16 = extra.isEmpty ? 20 : 45
            central.append(u32: 0x0201_4B50); central.append(u16: version); central.append(u16: version)
            central.append(u16: 0); central.append(u16: 0); central.append(u16: 0); central.append(u16: 0x21)
            central.append(u32: crc); central.append(u32: sizeField); central.append(u32: sizeField)
            central.append(u16: UInt16(nameBytes.count)); central.append(u16: UInt16(extra.count)); central.append(u16: 0)
            central.append(u16: 0); central.append(u16: 0); central.append(u32: 0)
            central.append(u32: largeOffset ? UInt32.max : UInt32(offset))
            central.append(contentsOf: nameBytes)
            central.append(contentsOf: extra)
        }
        let centralOffset = written
        var end = central
        let manyMembers = members.count >= 0xFFFF
        if manyMembers || centralOffset >= zip64From || central.count >= zip64From {
            // ZIP64 end of central directory record, then its locator.
            let recordOffset = centralOffset + central.count
            end.append(u32: 0x0606_4B50); end.append(u64: 44); end.append(u16: 45); end.append(u16: 45)
            end.append(u32: 0); end.append(u32: 0)
            end.append(u64: UInt64(members.count)); end.append(u64: UInt64(members.count))
            end.append(u64: UInt64(central.count)); end.append(u64: UInt64(centralOffset))
            end.append(u32: 0x0706_4B50); end.append(u32: 0); end.append(u64: UInt64(recordOffset)); end.append(u32: 1)
        }
        let count = manyMembers ? UInt16.max : UInt16(members.count)
        end.append(u32: 0x0605_4B50); end.append(u16: 0); end.append(u16: 0)
        end.append(u16: count); end.append(u16: count)
        end.append(u32: central.count >= zip64From ? UInt32.max : UInt32(central.count))
        end.append(u32: centralOffset >= zip64From ? UInt32.max : UInt32(centralOffset)); end.append(u16: 0)
        try send(end)
    }
}

private extension Array where Element == UInt8 {
    mutating func append(u16 value: UInt16) {
        append(UInt8(value & 0xFF)); append(UInt8(value >> 8))
    }
    mutating func append(u32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }
    mutating func append(u64 value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }
}
