import Foundation
import Yams

/// Reads typed values out of a composed YAML tree, turning every problem into an error that names
/// the manifest, the line and the key path.
struct ManifestYAML {
    let file: String

    func error(_ node: Node?, _ path: String, _ reason: String) -> HyperLearnError {
        .invalidInput(file: file, line: node?.mark?.line, field: path, reason: reason)
    }

    func describe(_ node: Node) -> String {
        switch node {
        case let .scalar(s): return "\(HyperLearnError.quoted(s.string))"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The pairs of a mapping, after checking key types, duplicates and allowed keys.
    func mapping(_ node: Node, _ path: String, allowed: [String]? = nil) throws -> [(key: String, line: Int?, value: Node)] {
        guard case let .mapping(mapping) = node else {
            throw error(node, path, "expected a mapping, found \(describe(node))")
        }
        var result: [(key: String, line: Int?, value: Node)] = []
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard case let .scalar(key) = keyNode else {
                throw error(keyNode, path, "keys must be plain names, found \(describe(keyNode))")
            }
            let keyPath = path.isEmpty ? key.string : "\(path).\(key.string)"
            guard seen.insert(key.string).inserted else {
                throw error(keyNode, keyPath, "duplicate key \(HyperLearnError.quoted(key.string))")
            }
            if let allowed, !allowed.contains(key.string) {
                throw error(keyNode, keyPath, "unknown key \(HyperLearnError.quoted(key.string)); allowed keys: \(allowed.joined(separator: ", "))")
            }
            result.append((key.string, keyNode.mark?.line, value))
        }
        return result
    }

    func scalar(_ node: Node, _ path: String, expected: String) throws -> String {
        guard case let .scalar(s) = node else {
            throw error(node, path, "expected \(expected), found \(describe(node))")
        }
        return s.string
    }

    func string(_ node: Node, _ path: String) throws -> String {
        let text = try scalar(node, path, expected: "a string")
        guard !text.isEmpty else { throw error(node, path, "expected a non-empty string") }
        return text
    }

    func int(_ node: Node, _ path: String, minimum: Int = 0, maximum: Int = .max) throws -> Int {
        let text = try scalar(node, path, expected: "an integer")
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw error(node, path, "expected an integer, found \(HyperLearnError.quoted(text))")
        }
        guard value >= minimum else { throw error(node, path, "expected an integer ≥ \(minimum), found \(value)") }
        guard value <= maximum else { throw error(node, path, "\(value) is above the limit of \(maximum)") }
        return value
    }

    func float(_ node: Node, _ path: String) throws -> Float {
        let text = try scalar(node, path, expected: "a number")
        guard let value = Float(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw error(node, path, "expected a finite number, found \(HyperLearnError.quoted(text))")
        }
        return value
    }

    /// A name that may become a file name (see ``InputLimits/problem(withName:)``).
    func name(_ text: String, node: Node?, line: Int?, _ path: String) throws -> String {
        if let problem = InputLimits.problem(withName: text) {
            throw HyperLearnError.invalidInput(file: file, line: line ?? node?.mark?.line, field: path, reason: problem)
        }
        return text
    }

    func bool(_ node: Node, _ path: String) throws -> Bool {
        let text = try scalar(node, path, expected: "true or false")
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, path, "expected true or false, found \(HyperLearnError.quoted(text))")
        }
    }

    func list(_ node: Node, _ path: String) throws -> [Node] {
        guard case let .sequence(sequence) = node else {
            throw error(node, path, "expected a list, found \(describe(node))")
        }
        return Array(sequence)
    }

    func encoding(_ node: Node, _ path: String) throws -> TextEncoding {
        let text = try string(node, path).lowercased()
        switch text {
        case "utf8", "utf-8": return .utf8
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1": return .latin1
        default: throw error(node, path, "unknown encoding \(HyperLearnError.quoted(text)); use utf8 or latin1")
        }
    }
}
