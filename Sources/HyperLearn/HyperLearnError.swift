/// An error a user can act on: what went wrong, and where.
///
/// Input errors name the file, the line (or array) and the field, so that a person can open the file
/// at the right place. Library errors (shape mismatches in the public API, numerical failures,
/// missing run-time libraries) say which operation failed and why.
public enum HyperLearnError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A data or manifest file is wrong. `line` is 1-based; `nil` when the problem is not tied to a line
    /// (a missing file, a bad array in an `.npz`).
    case invalidInput(file: String, line: Int?, field: String, reason: String)
    /// A value passed through the public API is inconsistent (shape, index, option).
    case invalidArgument(String)
    /// A numerical routine reported a failure (LAPACK `info`, a non-finite loss).
    case numerical(String)
    /// A run-time library (CUDA) or device is missing or refused an operation.
    case device(String)
    /// An output could not be written.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidInput(file, line, field, reason):
            let place = line.map { "\(file):\($0)" } ?? file
            // A field path holds the keys as written: a hostile one may be megabytes long.
            return "\(place): field \(HyperLearnError.quoted(field)): \(HyperLearnError.capped(reason))"
        case let .invalidArgument(message): return "invalid argument: \(HyperLearnError.capped(message))"
        case let .numerical(message): return "numerical failure: \(message)"
        case let .device(message): return "device: \(message)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}

extension HyperLearnError {
    /// Characters of a whole reason kept in ``description``: a last guard against a huge value quoted
    /// where ``quoted(_:)`` was not used.
    static let reasonLimit = 2000

    static func capped(_ text: String) -> String {
        guard text.utf8.count > reasonLimit else { return text }
        return "\(text.prefix(reasonLimit))… (\(text.utf8.count) bytes)"
    }
}
