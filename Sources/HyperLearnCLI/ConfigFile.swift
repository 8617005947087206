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
    /// The keys a file may hold: ``TrainingConfiguration/keyNames`` and ``RunConfiguration/extraKeys``.
    static var allowedKeys: [String] { TrainingConfiguration.keyNames + RunConfiguration.extraKeys }

    /// Reads `url`; errors name the file, the line and the key.
    ///
    /// - Parameter manifestGiven: whether the command line names the dataset; when it does not, the file
    ///   must (`manifest: PATH`, or `manifest: embedded:drug`), so that a configuration that forgot its
    ///   dataset does not silently train on the bundled one.
    static func load(_ url: URL, manifestGiven: Bool = true) throws -> RunConfiguration {
        let data = try InputFile.read(url, file: url.path, field: "config")
        let run = try parse(String(decoding: data, as: UTF8.self), file: url.path)
        guard manifestGiven || run.manifest != nil else {
            throw HyperLearnError.invalidInput(
                file: url.path, line: nil, field: "manifest",
                reason: "the configuration names no dataset: add 'manifest: PATH' (or 'manifest: \(RunConfiguration.embeddedPrefix)\(EmbeddedDataset.drugName)' for the bundled drug data), or pass MANIFEST on the command line")
        }
        return run
    }

    /// Parses a configuration file's text: `manifest` and `dataRoot` here, every other key through
    /// ``TrainingConfiguration``'s own decoder (defaults for the keys the file leaves out).
    static func parse(_ text: String, file: String) throws -> RunConfiguration {
        func fail(_ node: Node?, _ field: String, _ reason: String) -> HyperLearnError {
            .invalidInput(file: file, line: node?.mark?.line, field: field, reason: reason)
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: InputFile.withoutByteOrderMark(text))
        } catch {
            throw HyperLearnError.invalidInput(file: file, line: nil, field: "yaml", reason: "syntax error: \(error)")
        }
        var run = RunConfiguration()
        guard let root else { return run }
        guard case let .mapping(mapping) = root else {
            throw fail(root, "config", "expected a mapping of settings (key: value)")
        }
        var settings = [(Node, Node)]()
        var lines = [String: Int]()
        for (keyNode, valueNode) in mapping {
            guard case let .scalar(keyScalar) = keyNode else { throw fail(keyNode, "config", "keys must be plain names") }
            let key = keyScalar.string
            lines[key] = keyNode.mark?.line
            guard run.keysSet.insert(key).inserted else { throw fail(keyNode, key, "duplicate key \(HyperLearnError.quoted(key))") }
            if case let .sequence(list) = valueNode {
                // A list of plain values (`fanouts: [10, 5]`); the decoder checks the key takes one.
                guard list.allSatisfy({ if case .scalar = $0 { true } else { false } }) else {
                    throw fail(valueNode, key, "expected a value or a list of values, found nested lists or mappings")
                }
                settings.append((keyNode, valueNode))
                continue
            }
            guard case let .scalar(valueScalar) = valueNode else {
                throw fail(valueNode, key, "expected a single value or a list, found a mapping")
            }
            let value = valueScalar.string.trimmingCharacters(in: .whitespaces)
            if key == "manifest" { run.manifest = value; continue }
            if key == "dataRoot" { run.dataRoot = value; continue }
            settings.append((keyNode, valueNode))
        }
        do {
            run.training = try YAMLDecoder().decode(TrainingConfiguration.self, from: .mapping(Node.Mapping(settings)))
        } catch let error as DecodingError {
            let key = error.key ?? "config"
            let reason = TrainingConfiguration.CodingKeys(rawValue: key) == nil && lines[key] != nil
                ? "unknown key \(HyperLearnError.quoted(key)); allowed keys: \(allowedKeys.joined(separator: ", "))"
                : error.reason
            throw HyperLearnError.invalidInput(file: file, line: lines[key], field: key, reason: reason)
        }
        do {
            try run.training.validate()
        } catch let HyperLearnError.invalidArgument(message) {
            // The library's message starts with the property name: point at its line.
            let key = String(message.prefix { $0.isLetter || $0.isNumber })
            throw HyperLearnError.invalidInput(file: file, line: lines[key], field: key, reason: message)
        }
        // The limits `train` checks again once the data is loaded, here with the line that sets them.
        for (key, value, limit) in [("dimensions", run.training.dimensions, InputLimits.maximumDimensions),
                                    ("hiddenDimensions", run.training.hiddenDimensions, InputLimits.maximumDimensions),
                                    ("tableDimensions", run.training.tableDimensions, InputLimits.maximumDimensions),
                                    ("tupleHiddenDimensions", run.training.tupleHiddenDimensions, InputLimits.maximumDimensions),
                                    ("attentionDimensions", run.training.attentionDimensions, InputLimits.maximumDimensions),
                                    ("countHiddenDimensions", run.training.countHiddenDimensions, InputLimits.maximumDimensions),
                                    ("threads", run.training.threads, InputLimits.maximumThreads)] where value > limit {
            throw HyperLearnError.invalidInput(file: file, line: lines[key], field: key, reason: "\(value) is above the limit of \(limit)")
        }
        return run
    }

    /// The YAML text of `run`: every training setting, in declaration order, then the data source.
    static func render(_ run: RunConfiguration) -> String {
        var text = "# Resolved settings of a hyperlearn run; `hyperlearn train --config THIS_FILE` repeats it.\n"
        for child in Mirror(reflecting: run.training).children {
            guard let name = child.label else { continue }
            switch child.value {
            case let kind as DecoderKind: text += "\(name): \(quoted(kind.rawValue))\n"
            case let string as String: text += "\(name): \(quoted(string))\n"
            default: text += "\(name): \(child.value)\n"
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

extension DecodingError {
    /// The configuration key the error is about (the last element of its coding path).
    var key: String? {
        switch self {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            return context.codingPath.last?.stringValue
        case let .keyNotFound(key, _): return key.stringValue
        @unknown default: return nil
        }
    }

    /// The decoder's description of the problem.
    var reason: String {
        switch self {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context),
             let .keyNotFound(_, context):
            return context.debugDescription
        @unknown default: return "\(self)"
        }
    }
}
