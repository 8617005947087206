import Foundation
import HyperLearn
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock(2)` on a run folder's `.lock` file, held for the whole of `train`, so that two
/// runs never write the same folder. The file holds the holder's PID, for the message the second run
/// prints. The kernel drops the lock when the process ends, however it ends (`kill -9` included), so
/// a stale `.lock` file never blocks anyone.
final class RunLock {
    private let descriptor: Int32
    let url: URL

    /// Takes the lock on `folder` (which must exist) or throws naming the PID that holds it.
    init(_ folder: URL) throws {
        url = folder.appendingPathComponent(".lock")
        let fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CLIError("cannot open \(url.path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = read(fd, &buffer, buffer.count)
            close(fd)
            let holder = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard reason == EWOULDBLOCK else {
                throw CLIError("cannot lock \(url.path): \(String(cString: strerror(reason)))")
            }
            throw CLIError("\(folder.path) is in use by another `hyperlearn train` (PID \(holder.isEmpty ? "unknown" : holder)); wait for it to finish or choose another --out")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
