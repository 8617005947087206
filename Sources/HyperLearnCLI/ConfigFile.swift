import Foundation
import HyperLearn
import Yams

/// A run's settings as a YAML file: ``TrainingConfiguration``'s property names at the top level
/// (`dimensions: 32`, `learningRate: 0.005`, `decoder: cp+tuple`, `incidenceFeatures: true`), plus
/// `manifest` (a path, or `embedded:drug`) and `dataRoot`.
///
/// `train` writes the resolved file into each run folder, so that `hyperlearn train --config
/// RUN/config.yaml` repeats the run.
struct RunConfiguration: Equatable {
    var training = TrainingConfiguration()
    /// The manifest path (absolute once resolved) or ``embeddedPrefix`` + name; `nil`: the embedded default.
    var manifest: String?
    var dataRoot: String?
    /// The keys the file set (so that defaults for the embedded dataset do not override them).
    var keysSet: Set<String> = []

    static let embeddedPrefix = "embedded:"
    static let extraKeys = ["manifest", "dataRoot"]
}

enum ConfigFile {
    enum Kind { case bool, int, unsignedInt, float, decoder }

    /// Every ``TrainingConfiguration`` property, in declaration order, with its type. Read off the
    /// type itself so that a new property is accepted without touching the CLI.
    static let trainingKeys: [(name: String, kind: Kind)] = Mirror(reflecting: TrainingConfiguration()).children.compactMap { child in
        guard let name = child.label else { return nil }
        switch child.value {
        case is Bool: return (name, .bool)
        case is UInt64: return (name, .unsignedInt)
        case is Int: return (name, .int)
        case is Float, is Double: return (name, .float)
        case is DecoderKind: return (name, .decoder)
        default: return nil
        }
    }

    static var allowedKeys: [String] { trainingKeys.map(\.name) + RunConfiguration.extraKeys }

    /// Reads `url`; errors name the file, the line and the key.
    static func load(_ url: URL) throws -> RunConfiguration {
        guard let data = try? Data(contentsOf: url) else {
            throw HyperLearnError.invalidInput(file: url.path, line: nil, field: "config", reason: "cannot read the configuration file")
        }
        return try parse(String(decoding: data, as: UTF8.self), file: url.path)
    }

    static func parse(_ text: String, file: String) throws -> RunConfiguration {
        func fail(_ node: Node?, _ field: String, _ reason: String) -> HyperLearnError {
            .invalidInput(file: file, line: node?.mark?.line, field: field, reason: reason)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw HyperLearnError.invalidInput(file: file, line: nil, field: "yaml", reason: "syntax error: \(error)")
        }
        var run = RunConfiguration()
        guard let root else { return run }
        guard case let .mapping(mapping) = root else {
            throw fail(root, "config", "expected a mapping of settings (key: value)")
        }
        let kinds = Dictionary(uniqueKeysWithValues: trainingKeys.map { ($0.name, $0.kind) })
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(run.training)) as? [String: Any] ?? [:]
        var lines = [String: Int]()
        for (keyNode, valueNode) in mapping {
            guard case let .scalar(keyScalar) = keyNode else { throw fail(keyNode, "config", "keys must be plain names") }
            let key = keyScalar.string
            lines[key] = keyNode.mark?.line
            guard run.keysSet.insert(key).inserted else { throw fail(keyNode, key, "duplicate key '\(key)'") }
            guard case let .scalar(valueScalar) = valueNode else {
                throw fail(valueNode, key, "expected a single value, found a list or mapping")
            }
            let value = valueScalar.string.trimmingCharacters(in: .whitespaces)
            if key == "manifest" { run.manifest = value; continue }
            if key == "dataRoot" { run.dataRoot = value; continue }
            guard let kind = kinds[key] else {
                throw fail(keyNode, key, "unknown key '\(key)'; allowed keys: \(allowedKeys.joined(separator: ", "))")
            }
            switch kind {
            case .bool:
                switch value.lowercased() {
                case "true", "yes", "on": json[key] = true
                case "false", "no", "off": json[key] = false
                default: throw fail(valueNode, key, "expected true or false, found '\(value)'")
                }
            case .int:
                guard let number = Int(value) else { throw fail(valueNode, key, "expected an integer, found '\(value)'") }
                json[key] = number
            case .unsignedInt:
                guard let number = UInt64(value) else { throw fail(valueNode, key, "expected a non-negative integer, found '\(value)'") }
                json[key] = NSNumber(value: number)
            case .float:
                guard let number = Double(value), number.isFinite else {
                    throw fail(valueNode, key, "expected a finite number, found '\(value)'")
                }
                json[key] = number
            case .decoder:
                guard DecoderKind(rawValue: value) != nil else {
                    throw fail(valueNode, key, "unknown decoder '\(value)'; use \(DecoderKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                json[key] = value
            }
        }
        do {
            run.training = try JSONDecoder().decode(TrainingConfiguration.self, from: JSONSerialization.data(withJSONObject: json))
        } catch {
            throw HyperLearnError.invalidInput(file: file, line: nil, field: "config", reason: "cannot decode: \(error)")
        }
        do {
            try run.training.validate()
        } catch let HyperLearnError.invalidArgument(message) {
            // The library's message starts with the property name: point at its line.
            let key = String(message.prefix { $0.isLetter || $0.isNumber })
            throw HyperLearnError.invalidInput(file: file, line: lines[key], field: key, reason: message)
        }
        return run
    }

    /// The YAML text of `run`: every training setting, then the data source.
    static func render(_ run: RunConfiguration) -> String {
        var text = "# Resolved settings of a hyperlearn run; `hyperlearn train --config THIS_FILE` repeats it.\n"
        let values = Dictionary(uniqueKeysWithValues: Mirror(reflecting: run.training).children.compactMap { child in
            child.label.map { ($0, child.value) }
        })
        for (name, kind) in trainingKeys {
            guard let value = values[name] else { continue }
            switch kind {
            case .decoder: text += "\(name): \(quoted((value as? DecoderKind)?.rawValue ?? "\(value)"))\n"
            default: text += "\(name): \(value)\n"
            }
        }
        if let manifest = run.manifest { text += "manifest: \(quoted(manifest))\n" }
        if let dataRoot = run.dataRoot { text += "dataRoot: \(quoted(dataRoot))\n" }
        return text
    }

    /// A YAML double-quoted scalar (JSON string escaping is valid YAML).
    static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data()
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
