import Foundation
import HyperLearn
import Yams

/// `hyperlearn-bench accuracy MANIFEST --data-root DIR [--config FILE] [--seeds 0,1,2] [--ensemble N] [--set key=value …]`
/// trains and evaluates one configuration per seed and prints one JSON line per seed plus a summary.
/// With `--ensemble N`, each seed's result is an ``Ensemble`` of N members (seeds `seed + 1000·k`);
/// each `--ensemble-manifest M` adds N more, trained on M (same data, other graphs or features).
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: hyperlearn-bench accuracy MANIFEST --data-root DIR [--config FILE] [--seeds 0,1,2] [--ensemble N [--ensemble-manifest M]…] [--set key=value]\n".utf8))
    exit(2)
}

HeapTuning.keepLargeBlocks()   // as the `hyperlearn` command does
var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "markdown" {
    // `hyperlearn-bench markdown FILE…`: one table row per accuracy summary line found in the files.
    print("| dataset | configuration | relation | metric (mean ± std over seeds) | seeds | epochs | s/epoch | peak RSS (MB) | command |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in arguments.dropFirst() {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
        let tag = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            .components(separatedBy: "-").last ?? ""
        for line in text.split(separator: "\n") where line.contains("\"summary\"") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let summary = object["summary"] as? [String: [String: [Double]]] else { continue }
            let members = object["members"] as? Int ?? 1
            let configuration = members > 1 ? "\(tag), ensemble of \(members)" : tag
            for (relation, metrics) in summary.sorted(by: { $0.key < $1.key }) {
                let shown = ["rmse", "mae", "auc", "auc_random", "auc_mixed", "auc_novel", "aupr", "aupr_random", "aupr_mixed", "mrr", "recall@10"]
                    .compactMap { name in metrics[name].map { "\(name) \(String(format: "%.4f ± %.4f", $0[0], $0[1]))" } }
                print("| \(object["dataset"] ?? "") | \(configuration) | \(relation) | \(shown.joined(separator: "; ")) | \(object["seeds"] ?? "") | \(String(format: "%.0f", object["epochs_mean"] as? Double ?? 0)) | \(String(format: "%.3f", object["seconds_per_epoch_mean"] as? Double ?? 0)) | \(String(format: "%.0f", object["peak_rss_mb"] as? Double ?? 0)) | `\(object["command"] ?? "")` |")
            }
        }
    }
    exit(0)
}
guard ["accuracy", "speed"].contains(arguments.first ?? ""), arguments.count >= 2 else { usage() }
let mode = arguments[0]
let manifestPath = arguments[1]
var dataRoot: URL? = nil
var configPath: String? = nil
var seeds: [UInt64] = [0]
var ensembleMembers = 1
var ensembleManifests = [String]()
var overrides = [String: String]()
var i = 2
while i < arguments.count {
    let flag = arguments[i]
    guard i + 1 < arguments.count else { usage() }
    let value = arguments[i + 1]
    switch flag {
    case "--data-root": dataRoot = URL(fileURLWithPath: value)
    case "--config": configPath = value
    case "--seeds": seeds = value.split(separator: ",").compactMap { UInt64($0) }
    case "--ensemble":
        guard let n = Int(value), n >= 1 else { usage() }
        ensembleMembers = n
    case "--ensemble-manifest": ensembleManifests.append(value)
    case "--set":
        let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { usage() }
        overrides[parts[0]] = parts[1]
    default: usage()
    }
    i += 2
}

do {
    // The file's keys, then `--set` on top (a key may appear in both; `--set` wins).
    let yaml = configPath.map { (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "" } ?? ""
    let base = try PartialConfiguration(yaml: yaml, source: configPath ?? "").merging(overrides).configuration()
    let loaded = try Manifest.load(from: URL(fileURLWithPath: manifestPath)).loadDataset(dataRoot: dataRoot)
    let otherDatasets = try ensembleManifests.map { try Manifest.load(from: URL(fileURLWithPath: $0)).loadDataset(dataRoot: dataRoot).dataset }
    if mode == "speed" {
        // The peer's protocol and model: full-batch epochs, no validation, hidden width 64, dropout 0.1,
        // lr 0.01, no root weights, no count term; median epoch time after 5 warm-up epochs. `--set` may
        // still override.
        var config = try PartialConfiguration(values: ["batchSize": "0", "hiddenDimensions": "64", "dropout": "0.1", "learningRate": "0.01",
                                                       "weightDecay": "0.00001", "rootWeight": "false", "countFeatures": "false"])
            .merging(overrides).configuration()
        config.validationFraction = 0
        config.patience = 0
        let trainer = try Trainer(dataset: loaded.dataset, configuration: config)
        var times = [Double]()
        for _ in 0..<config.epochs { times.append(try trainer.trainEpoch().seconds) }
        let warm = Array(times.dropFirst(min(5, times.count - 1))).sorted()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let line: [String: Any] = ["dataset": loaded.dataset.name, "epochs": config.epochs,
                                   "seconds_per_epoch_median": warm[warm.count / 2], "seconds_per_epoch_min": warm[0],
                                   "peak_rss_mb": Double(usage.ru_maxrss) / 1024, "threads": config.threads,
                                   "metrics": trainer.evaluate()]
        print(String(data: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), encoding: .utf8)!)
        exit(0)
    }
    var results = [[String: [String: Double]]](), validationResults = [[String: [String: Double]]]()
    var epochs = [Double](), secondsPerEpoch = [Double]()
    for seed in seeds {
        var config = base
        config.seed = seed
        let start = Date()
        var members = [TrainedModel]()
        // Each member's validation metrics by epoch, to report those of its best (kept) epoch: the
        // figures a configuration is chosen by, never the test's.
        var validations = [[Int: [String: [String: Double]]]]()
        for dataset in [loaded.dataset] + otherDatasets {
            let first = validations.count
            validations += Array(repeating: [:], count: ensembleMembers)
            members += try Ensemble.train(dataset: dataset, configuration: config, members: ensembleMembers) { k, record in
                validations[first + k][record.epoch] = record.validation
                if ProcessInfo.processInfo.environment["BENCH_VERBOSE"] != nil {
                    print("\(dataset.name) member \(k) epoch \(record.epoch) loss \(record.loss) val \(record.validationScore ?? .nan) \(record.seconds)s")
                }
            }.members
        }
        let ensemble = try Ensemble(models: members)
        let metrics = try ensemble.evaluate()
        results.append(metrics)
        let seconds = Date().timeIntervalSince(start)
        // Per member: the mean epoch count, and the time of one epoch.
        let memberEpochs = ensemble.members.map { Double($0.structure.epochsTrained) }
        let meanEpochs = memberEpochs.reduce(0, +) / Double(memberEpochs.count)
        let perEpoch = seconds / max(memberEpochs.reduce(0, +), 1)
        epochs.append(meanEpochs)
        secondsPerEpoch.append(perEpoch)
        let bestValidations = zip(members, validations).map { member, byEpoch in byEpoch[member.structure.bestEpoch] ?? [:] }
        if members.count == 1 { validationResults.append(bestValidations[0]) }
        let line: [String: Any] = ["seed": seed, "metrics": metrics, "epochs": meanEpochs,
                                   "validation": members.count == 1 ? bestValidations[0] as Any : bestValidations,
                                   "best_epoch": members.count == 1 ? members[0].structure.bestEpoch as Any : members.map(\.structure.bestEpoch),
                                   "members": members.count,
                                   "seconds": seconds, "seconds_per_epoch": perEpoch]
        print(String(data: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), encoding: .utf8)!)
    }
    // Mean and sample standard deviation over seeds, per relation and metric.
    func meanStd(_ xs: [Double]) -> [Double] {
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.count > 1 ? xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1) : 0
        return [mean, variance.squareRoot()]
    }
    var summary = [String: [String: [Double]]]()
    for (relation, metrics) in results[0] {
        for name in metrics.keys {
            summary[relation, default: [:]][name] = meanStd(results.compactMap { $0[relation]?[name] })
        }
    }
    var validationSummary = [String: [String: [Double]]]()
    for (relation, metrics) in validationResults.first ?? [:] {
        for name in metrics.keys {
            validationSummary[relation, default: [:]][name] = meanStd(validationResults.compactMap { $0[relation]?[name] })
        }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let line: [String: Any] = ["summary": summary, "validation_summary": validationSummary, "dataset": loaded.dataset.name, "seeds": seeds.count, "members": ensembleMembers * (1 + ensembleManifests.count),
                               "epochs_mean": meanStd(epochs)[0], "seconds_per_epoch_mean": meanStd(secondsPerEpoch)[0],
                               "peak_rss_mb": Double(usage.ru_maxrss) / 1024,
                               "command": CommandLine.arguments.joined(separator: " ")]
    print(String(data: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), encoding: .utf8)!)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(2)
}

/// Settings from a configuration file with `--set key=value` overrides on top, decoded by
/// ``TrainingConfiguration``'s own decoder: the keys left out keep their defaults, and an unknown key or
/// a value of the wrong type is an error naming the key.
struct PartialConfiguration {
    /// The settings in file order; an override replaces a file's value in place.
    var settings: [(key: String, value: Node)]
    /// Where the settings came from, for error messages.
    var source: String

    /// The top-level mapping of a configuration file (empty text: no settings).
    init(yaml: String, source: String) throws {
        self.source = source
        guard let root = try Yams.compose(yaml: yaml) else { settings = []; return }
        guard case let .mapping(mapping) = root else {
            throw HyperLearnError.invalidArgument("\(source): expected a mapping of settings (key: value)")
        }
        settings = try mapping.map { key, value in
            guard case let .scalar(scalar) = key else { throw HyperLearnError.invalidArgument("\(source): keys must be plain names") }
            return (scalar.string, value)
        }
    }

    /// Settings given as text, each read as a plain YAML scalar (`4`, `true`, `cp+tuple`).
    init(values: [String: String], source: String = "--set") {
        self.source = source
        settings = values.sorted { $0.key < $1.key }.map { ($0.key, Self.node($0.value)) }
    }

    /// A `--set` value: a YAML flow sequence (`[10,5]`) as a list, anything else as a plain scalar.
    static func node(_ text: String) -> Node {
        if text.hasPrefix("["), let list = try? Yams.compose(yaml: text), case .sequence = list { return list }
        return Node(text)
    }

    /// These settings with `overrides` on top.
    func merging(_ overrides: [String: String]) -> PartialConfiguration {
        var merged = self
        if !overrides.isEmpty { merged.source = source.isEmpty ? "--set" : "\(source) with --set" }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let index = merged.settings.firstIndex(where: { $0.key == key }) {
                merged.settings[index].value = Self.node(value)
            } else {
                merged.settings.append((key, Self.node(value)))
            }
        }
        return merged
    }

    /// The defaults of ``TrainingConfiguration`` with these settings applied.
    func configuration() throws -> TrainingConfiguration {
        let mapping = Node.Mapping(settings.map { (Node($0.key), $0.value) })
        do {
            return try YAMLDecoder().decode(TrainingConfiguration.self, from: .mapping(mapping))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context),
                let DecodingError.valueNotFound(_, context), let DecodingError.keyNotFound(_, context) {
            throw HyperLearnError.invalidArgument("\(source.isEmpty ? "configuration" : source): \(context.debugDescription)")
        }
    }
}
