import Foundation
import ZIPFoundation

/// Reads the arrays of an `.npz` file (a ZIP of `.npy` members, STORED or DEFLATED).
///
/// Members are looked up by name with or without `.npy`. Listing never decodes a member, so an
/// archive that also holds pickled (`|O`) or string arrays can be used for its numeric ones.
///
/// ```swift
/// let npz = try NPZArchive(url: trainURL)
/// let edges = try npz.array(named: "train_data").int64Values()
/// ```
public struct NPZArchive {
    /// The archive's file.
    public let url: URL
    /// The name used in errors.
    public let fileName: String
    private let archive: Archive

    /// Opens an archive.
    /// - Parameters:
    ///   - url: The `.npz` file.
    ///   - fileName: The name used in errors (default: the last path component).
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` when the file is missing,
    ///   truncated or not a ZIP archive (field `archive`).
    public init(url: URL, fileName: String? = nil) throws {
        let name = fileName ?? url.lastPathComponent
        try InputFile.requireRegularFile(url, file: name, line: nil, field: "file")
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw HyperLearnError.invalidInput(file: name, line: nil, field: "file", reason: "cannot read \(url.path)")
        }
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw HyperLearnError.invalidInput(file: name, line: nil, field: "archive",
                                               reason: "not a readable .npz (ZIP) archive; it may be truncated (\(error))")
        }
        self.url = url
        self.fileName = name
    }

    /// Names of the arrays, without `.npy`, in archive order.
    public var arrayNames: [String] {
        archive.compactMap { entry in
            guard entry.type == .file else { return nil }
            return entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
        }
    }

    /// Whether the archive holds an array called `name` (with or without `.npy`).
    public func contains(_ name: String) -> Bool { entry(named: name) != nil }

    /// Reads one array.
    /// - Parameter name: The member's name, with or without `.npy`.
    /// - Throws: ``HyperLearnError/invalidInput(file:line:field:reason:)`` naming the file and array when
    ///   it is absent, damaged or not a `.npy`.
    public func array(named name: String) throws -> NPYArray {
        let arrayName = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
        guard let entry = entry(named: name) else {
            throw HyperLearnError.invalidInput(file: fileName, line: nil, field: arrayName,
                                               reason: "no such array; the archive holds \(arrayNames.joined(separator: ", "))")
        }
        // The sizes come from the archive: trust them only as far as the file's own size allows
        // (DEFLATE expands at most 1032:1), and never reserve more than was read so far.
        let declared = entry.uncompressedSize
        let fileSize = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let possible = UInt64(fileSize) * (entry.compressedSize == declared ? 1 : 1032)
        guard declared <= possible, declared <= UInt64(Int.max) else {
            throw HyperLearnError.invalidInput(file: fileName, line: nil, field: arrayName,
                                               reason: "damaged member: it declares \(declared) bytes, more than a \(fileSize)-byte archive can hold")
        }
        if entry.isCompressed && DeflatedMember.isAvailable {
            do {
                let file = try Data(contentsOf: url, options: .alwaysMapped)
                let bytes = try DeflatedMember.bytes(in: file, path: entry.path, compressedSize: Int(clamping: entry.compressedSize),
                                                     uncompressedSize: Int(declared), crc: entry.checksum)
                return try NPYArray(npyBytes: bytes, file: fileName, array: arrayName)
            } catch let reason as DeflatedMember.Reason {
                throw HyperLearnError.invalidInput(file: fileName, line: nil, field: arrayName,
                                                   reason: "damaged or truncated member (\(reason.text))")
            }
        }
        var bytes = [UInt8]()
        // A STORED member fits in the file: reserve it whole (never more than the file's size, whatever
        // a damaged directory declares), so the buffer is not regrown and copied.
        bytes.reserveCapacity(min(Int(declared), entry.isCompressed ? 1 << 26 : fileSize))
        do {
            // The checksum is taken here, over the whole member at once (``CRC32``), not chunk by chunk.
            _ = try archive.extract(entry, bufferSize: 1 << 20, skipCRC32: true) { chunk in
                guard bytes.count + chunk.count <= Int(declared) else { throw Archive.ArchiveError.invalidEntrySize }
                bytes.append(contentsOf: chunk)
            }
            guard CRC32.checksum(bytes) == entry.checksum, bytes.count == Int(clamping: entry.uncompressedSize) else {
                throw Archive.ArchiveError.invalidCRC32
            }
        } catch {
            throw HyperLearnError.invalidInput(file: fileName, line: nil, field: arrayName,
                                               reason: "damaged or truncated member (\(error))")
        }
        return try NPYArray(npyBytes: bytes, file: fileName, array: arrayName)
    }

    /// Opens `url` and reads one array; any failure (missing, truncated or non-ZIP file) names the array.
    /// - Parameters:
    ///   - name: The member's name, with or without `.npy`.
    ///   - url: The `.npz` file.
    ///   - fileName: The name used in errors.
    public static func readArray(named name: String, from url: URL, fileName: String? = nil) throws -> NPYArray {
        do {
            return try NPZArchive(url: url, fileName: fileName).array(named: name)
        } catch let HyperLearnError.invalidInput(file, line, field, reason) where field == "archive" || field == "file" {
            let arrayName = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            throw HyperLearnError.invalidInput(file: file, line: line, field: arrayName, reason: reason)
        }
    }

    private func entry(named name: String) -> Entry? {
        if let found = archive[name], found.type == .file { return found }
        if !name.hasSuffix(".npy"), let found = archive[name + ".npy"], found.type == .file { return found }
        return nil
    }
}
