import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files all at once: readers see the old file or the new one, never half of either.
///
/// The data goes to a temporary file in the destination's folder, which is then renamed over the
/// destination (`rename(2)` is atomic within one file system). There is no `fsync`: a power cut may
/// lose the new file, but never leaves a torn one in its place.
public enum AtomicFile {
    /// Writes `data` to `url`, replacing any existing file.
    /// - Parameters:
    ///   - data: The new contents.
    ///   - url: The destination; its folder must exist.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when the temporary file cannot be written or renamed.
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            // A full disk leaves part of the file: remove it rather than leave it beside the destination.
            try? FileManager.default.removeItem(at: temporary)
            throw HyperLearnError.io(path: url.path, reason: "cannot write \(temporary.path): \(InputFile.reason(for: error))")
        }
        do {
            try SystemCall.rename(temporary.path, url.path)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// Writes a file piece by piece through `body`, then renames it over `url`: for files too large to
    /// assemble in memory first (a checkpoint holds every parameter and both Adam moments). On any
    /// error the temporary file is removed and `url` is left as it was.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when the temporary file cannot be written or renamed,
    ///   or whatever `body` throws.
    public static func write(to url: URL, _ body: (Writer) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: temporary) else {
            throw HyperLearnError.io(path: url.path, reason: "cannot create \(temporary.path)")
        }
        do {
            try body(Writer(handle: handle, destination: url, temporary: temporary))
            try handle.close()
            try SystemCall.rename(temporary.path, url.path)
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            if let error = error as? HyperLearnError { throw error }
            throw HyperLearnError.io(path: url.path, reason: "cannot write \(temporary.path): \(InputFile.reason(for: error))")
        }
    }

    /// Appends bytes to the temporary file of ``write(to:_:)``.
    public struct Writer {
        fileprivate let handle: FileHandle
        fileprivate let destination: URL
        fileprivate let temporary: URL

        /// Appends `bytes`.
        public func write(_ bytes: Data) throws { try append(bytes) }

        /// Appends `bytes` without copying them first.
        public func write(_ bytes: UnsafeRawBufferPointer) throws { try append(bytes) }

        private func append(_ bytes: some DataProtocol) throws {
            do {
                try handle.write(contentsOf: bytes)
            } catch {
                throw HyperLearnError.io(path: destination.path, reason: "cannot write \(temporary.path): \(InputFile.reason(for: error))")
            }
        }
    }

    /// Renames `source` over `destination` in one step (both in one file system).
    /// - Throws: ``HyperLearnError/io(path:reason:)`` naming the destination.
    public static func move(_ source: URL, over destination: URL) throws {
        try SystemCall.rename(source.path, destination.path)
    }

    /// Writes `text` as UTF-8 (see ``write(_:to:)-(Data,_)``).
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// The one place that calls the C library directly.
enum SystemCall {
    /// `rename(2)`, turning `errno` into ``HyperLearnError/io(path:reason:)``.
    static func rename(_ source: String, _ destination: String) throws {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        guard Foundation.rename(source, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            throw HyperLearnError.io(path: destination, reason: "cannot rename \(source) over it: \(reason)")
        }
        #else
        _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: destination),
                                                  withItemAt: URL(fileURLWithPath: source))
        #endif
    }
}
