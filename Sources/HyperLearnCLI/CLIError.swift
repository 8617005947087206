import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A problem with the command line or a run folder (as opposed to the data, which the library reports
/// as ``HyperLearnError``). Exits with status 2.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// Where output goes: results on stdout, errors and notices on stderr.
enum Terminal {
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Peak resident memory of this process in MiB (`ru_maxrss`, which Linux gives in KiB).
    ///
    /// Not parsed from `/proc/self/status`: its `VmHWM` field is padded to 8 digits, so from about
    /// 9.5 GiB on there is no space between the tab and the number, and a reader that split on
    /// spaces reported 0 for exactly the runs where the figure matters.
    static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// JSON output with sorted keys; non-finite numbers become `null` (JSON has no NaN).
enum JSONOutput {
    static func sanitized(_ value: Any) -> Any {
        switch value {
        case let d as Double: return d.isFinite ? d : NSNull()
        case let f as Float: return f.isFinite ? Double(f) : NSNull()
        case let dict as [String: Any]: return dict.mapValues(sanitized)
        case let dict as [String: [String: Double]]: return dict.mapValues { $0.mapValues(sanitized) }
        case let dict as [String: Double]: return dict.mapValues(sanitized)
        case let array as [Any]: return array.map(sanitized)
        default: return value
        }
    }

    static func data(_ value: Any, pretty: Bool) throws -> Data {
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if pretty { options.insert(.prettyPrinted) }
        var data = try JSONSerialization.data(withJSONObject: sanitized(value), options: options)
        data.append(0x0A)
        return data
    }

    static func string(_ value: Any, pretty: Bool = false) throws -> String {
        String(decoding: try data(value, pretty: pretty), as: UTF8.self)
    }
}

/// Creating output folders, with one message a person can act on when it fails.
enum OutputFolder {
    /// Creates `url` and its missing parents with `mkdir(2)`, so that a failure names the folder that
    /// could not be made and the system's reason ("Read-only file system", "Permission denied"),
    /// instead of Foundation's `NSCocoaErrorDomain Code=642` dump.
    /// - Parameter what: What the folder is, for the message ("the run folder").
    static func create(_ url: URL, what: String) throws {
        var missing = [String]()
        var path = url.standardizedFileURL.path
        while path.count > 1, !FileManager.default.fileExists(atPath: path) {
            missing.append(path)
            path = (path as NSString).deletingLastPathComponent
        }
        for folder in missing.reversed() where mkdir(folder, 0o777) != 0 && errno != EEXIST {
            let reason = String(cString: strerror(errno))
            throw CLIError(folder == url.standardizedFileURL.path ? "cannot create \(what) \(folder): \(reason)"
                                                                  : "cannot create \(folder) for \(what) \(url.path): \(reason)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("cannot create \(what) \(url.path): a file of that name is in the way")
        }
    }
}
