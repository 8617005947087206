import Foundation

/// Encodes arrays in NumPy's `.npy` format (version 1.0, or 2.0 when the header needs it).
///
/// ```swift
/// let embedding = try NPYArray(shape: [943, 32], float32: values)
/// try NPYWriter.write(embedding, to: url)
/// ```
public enum NPYWriter {
    /// The `.npy` bytes of `array`: magic, version, a header padded so the data starts on a
    /// 64-byte boundary, then the elements as stored.
    public static func encode(_ array: NPYArray) -> Data {
        var bytes = header(dtype: array.dtype, shape: array.shape)
        bytes.append(contentsOf: array.data)
        return Data(bytes)
    }

    /// Writes `array` to `url` atomically (see ``AtomicFile``).
    public static func write(_ array: NPYArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }

    /// Writes `payload` to `url` atomically, streaming its elements (no copy of the array in memory).
    public static func write(_ payload: NPYPayload, to url: URL) throws {
        try AtomicFile.write(to: url) { file in
            try header(dtype: payload.dtype, shape: payload.shape).withUnsafeBytes { try file.write($0) }
            try payload.produce { try file.write($0) }
        }
    }

    /// The bytes before the elements: magic, version, and the dict padded so the data starts on a
    /// 64-byte boundary.
    static func header(dtype: NPYArray.DType, shape: [Int]) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(dtype.descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        var version: UInt8 = 1
        var prefixLength = 10
        var padded = paddedHeader(dict, prefixLength: prefixLength)
        if padded.utf8.count > Int(UInt16.max) {
            version = 2
            prefixLength = 12
            padded = paddedHeader(dict, prefixLength: prefixLength)
        }
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        let length = padded.utf8.count
        bytes.append(UInt8(length & 0xFF))
        bytes.append(UInt8((length >> 8) & 0xFF))
        if version == 2 {
            bytes.append(UInt8((length >> 16) & 0xFF))
            bytes.append(UInt8((length >> 24) & 0xFF))
        }
        bytes.append(contentsOf: padded.utf8)
        return bytes
    }

    private static func paddedHeader(_ dict: String, prefixLength: Int) -> String {
        let unpadded = prefixLength + dict.utf8.count + 1
        let padding = (64 - unpadded % 64) % 64
        return dict + String(repeating: " ", count: padding) + "\n"
    }
}
