import Foundation
import HyperLearn

/// Output files written into a hidden sibling folder first, then moved into place, so that a failure
/// leaves no half-filled output folder.
enum StagedFolder {
    /// Runs `body` on the staging folder (it returns the names of the files it wrote there), then moves
    /// them into `destination`: the whole folder when it does not exist, else file by file, replacing
    /// only those names. Returns the written files' final paths.
    static func write(to destination: URL, _ body: (URL) throws -> [String]) throws -> [URL] {
        let parent = destination.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            let names = try body(staging)
            if FileManager.default.fileExists(atPath: destination.path) {
                // An existing folder (perhaps --to with other files in it): replace only our files.
                for name in names {
                    try AtomicFile.move(staging.appendingPathComponent(name), over: destination.appendingPathComponent(name))
                }
                try FileManager.default.removeItem(at: staging)
            } else {
                try FileManager.default.moveItem(at: staging, to: destination)
            }
            return names.map { destination.appendingPathComponent($0) }
        } catch let error as HyperLearnError {
            try? FileManager.default.removeItem(at: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw CLIError("cannot write \(destination.path): \(InputFile.reason(for: error))")
        }
    }
}
