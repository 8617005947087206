import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Checks on a file before it is opened, and the text of file errors.
///
/// Only regular files are read: opening a FIFO blocks until someone writes to it (forever, in a
/// batch job), and a device such as `/dev/zero` never ends. Both are refused with an error that says
/// what the path is, instead of a hang or Foundation's misleading "You don't have permission".
public enum InputFile {
    /// What `path` is when it is not a regular file (symbolic links followed): "a FIFO (named pipe)",
    /// "a character device", "a folder"…; `nil` for a regular file; "missing" when nothing is there.
    public static func irregularKind(ofPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? "missing" : "unreadable (\(String(cString: strerror(errno))))"
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFDIR: return "a folder"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// Throws unless `url` is a regular file; the error names `file`, `line` and `field` (for a data
    /// file: the manifest, the line and the key that name it).
    public static func requireRegularFile(_ url: URL, file: String, line: Int?, field: String) throws {
        guard let kind = irregularKind(ofPath: url.path) else { return }
        let reason = kind == "missing" ? "no such file: \(url.path)"
            : "\(url.path) is \(kind), not a regular file; name a regular file"
        throw HyperLearnError.invalidInput(file: file, line: line, field: field, reason: reason)
    }

    /// The contents of `url` after ``requireRegularFile(_:file:line:field:)``; a read error names the
    /// system's reason.
    public static func read(_ url: URL, file: String, line: Int? = nil, field: String) throws -> Data {
        try requireRegularFile(url, file: file, line: line, field: field)
        do {
            return try contents(of: url)
        } catch {
            throw HyperLearnError.invalidInput(file: file, line: line, field: field,
                                               reason: "cannot read \(url.path): \(reason(for: error))")
        }
    }

    /// `Data(contentsOf:options:)`, except for a file whose size is 0. Foundation on Linux reads such
    /// a file (procfs files report 0 and still have contents) into a 4 KB buffer that it never frees
    /// when nothing is read, so each empty file read that way leaked 4 KB (found as the steady growth
    /// of `FuzzDatasetLoad`, and traced with heaptrack). Those are read through a `FileHandle`.
    public static func contents(of url: URL, options: Data.ReadingOptions = []) throws -> Data {
        var info = stat()
        guard stat(url.path, &info) == 0, info.st_size == 0 else { return try Data(contentsOf: url, options: options) }
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        return try handle.readToEnd() ?? Data()
    }

    /// The system's reason for a Foundation file error ("Read-only file system", "Permission denied",
    /// "No space left on device"), from the POSIX error beneath it when there is one.
    public static func reason(for error: Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        // swift-corelibs-foundation keeps only the Cocoa code: map it back to the system's words.
        let code: Int32
        switch (nsError.domain, nsError.code) {
        case (NSCocoaErrorDomain, CocoaError.fileWriteVolumeReadOnly.rawValue): code = EROFS
        case (NSCocoaErrorDomain, CocoaError.fileWriteNoPermission.rawValue),
             (NSCocoaErrorDomain, CocoaError.fileReadNoPermission.rawValue): code = EACCES
        case (NSCocoaErrorDomain, CocoaError.fileWriteOutOfSpace.rawValue): code = ENOSPC
        case (NSCocoaErrorDomain, CocoaError.fileNoSuchFile.rawValue),
             (NSCocoaErrorDomain, CocoaError.fileReadNoSuchFile.rawValue): code = ENOENT
        default: return nsError.localizedDescription
        }
        return String(cString: strerror(code))
    }

    /// Removes a UTF-8 byte-order mark at the start of `text` (editors on Windows write one).
    public static func withoutByteOrderMark(_ text: String) -> String {
        text.hasPrefix("\u{FEFF}") ? String(text.unicodeScalars.dropFirst()) : text
    }
}

extension HyperLearnError {
    /// Characters of a value quoted in full in an error message; longer values are cut.
    public static let quotedValueLimit = 80

    /// `value` in single quotes for an error message, cut to ``quotedValueLimit`` characters plus
    /// "… (N bytes)", so that a 1 MB field does not fill the terminal.
    public static func quoted(_ value: String) -> String {
        guard value.count > quotedValueLimit else { return "'\(value)'" }
        return "'\(value.prefix(quotedValueLimit))…' (\(value.utf8.count) bytes)"
    }
}
