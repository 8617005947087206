import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn train [MANIFEST] --out DIR`: trains, checkpoints after every epoch, evaluates on the
/// test split and writes the run folder (see ``RunDirectory``).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train embeddings on a dataset and write a run folder.",
        discussion: """
            Without MANIFEST (and without a `manifest` key in --config) trains on the bundled drug \
            dataset with settings that finish in about a minute. The run folder is created only once \
            the data has loaded; it receives config.yaml, checkpoint.bin (after every epoch), \
            history.json, metrics.json, training-curve.svg, model.json and embeddings/. One `train` \
            at a time holds the folder (a second exits naming the first's PID); a folder that already \
            holds a run is refused unless --resume continues it or --force replaces it. A new run that \
            fails leaves no folder behind.
            """)

    /// Settings for the bundled drug dataset when nothing else says otherwise: large batches and a
    /// short epoch cap, so a first run on two cores finishes in about a minute (release build).
    static var embeddedDefaults: TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.batchSize = 16_384
        configuration.epochs = 15
        configuration.patience = 5
        return configuration
    }

    @Argument(help: ArgumentHelp("Dataset manifest (YAML or JSON); default: the bundled drug dataset.", valueName: "manifest"))
    var manifest: String?

    @Option(help: ArgumentHelp("Run folder (default: runs/DATASET-TIMESTAMP).", valueName: "dir"))
    var out: String?

    @OptionGroup var hyperparameters: HyperparameterOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var device: DeviceOptions
    @OptionGroup var sharding: ShardingOptions
    @OptionGroup var reporting: ReportingOptions

    @Flag(help: "Continue the run in --out from its checkpoint (settings come from its config.yaml).")
    var resume = false

    @Flag(help: "Replace the run already in --out (finished or abandoned) instead of refusing to.")
    var force = false

    @Option(name: .customLong("init-from"),
            help: ArgumentHelp("Start from the weights of this run's model (same modalities, items and relations; to grow a model, use `extend`).", valueName: "run"))
    var initFrom: String?

    /// Test hook: exit abruptly (status 137, like `kill -9`) once this epoch's checkpoint is written.
    @Option(name: .customLong("stop-after-epochs"), help: .hidden)
    var stopAfterEpochs: Int?

    func validate() throws {
        if resume && force { throw ValidationError("--resume continues the run in --out and --force replaces it; give one of them") }
        if resume {
            guard out != nil else { throw ValidationError("--resume needs --out DIR (the run to continue)") }
            // --epochs alone may change: a finished run continues up to that many epochs.
            var others = hyperparameters
            others.epochs = nil
            guard manifest == nil, !others.setsTrainingValues, data.dataRoot == nil else {
                throw ValidationError("--resume continues a run with the settings in its config.yaml (only --epochs may raise its epoch cap); drop MANIFEST, --config, --data-root, --dim, --lr, --batch-size and --seed")
            }
            if initFrom != nil { throw ValidationError("--init-from starts a new run; --resume continues one. Give one of them") }
        }
        if let stopAfterEpochs, stopAfterEpochs < 1 { throw ValidationError("--stop-after-epochs must be ≥ 1") }
    }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        var run: RunConfiguration
        let folder: RunDirectory
        if resume {
            folder = RunDirectory(out!)
            guard FileManager.default.fileExists(atPath: folder.checkpoint.path) else {
                throw CLIError("cannot resume \(folder.url.path): no checkpoint.bin there (start the run without --resume)")
            }
            run = try folder.readConfiguration()
            if let epochs = hyperparameters.epochs { run.training.epochs = epochs }
            if let threads = hyperparameters.threads { run.training.threads = threads }
            sharding.apply(to: &run.training)
            device.apply(to: &run.training, shardsGiven: sharding.shards != nil || sharding.shardMap != nil)
        } else {
            run = try resolveConfiguration()
            let name = try DataSource(run).manifest().name
            folder = RunDirectory(out ?? TrainCommand.defaultOut(dataset: name))
            if folder.holdsRun && !force { throw folder.holdsRunError }
        }
        let source = DataSource(run)
        run.manifest = source.recordedManifest
        // Everything that can fail on bad input happens before the folder exists.
        let loaded = try source.load().loaded
        try InputLimits.check(loaded.dataset, run.training)
        let trainer = try Trainer(dataset: loaded.dataset, configuration: run.training)
        // A resumed run's folder exists: lock it before reading its checkpoint.
        let lock = resume ? try RunLock(folder.url) : nil
        if resume {
            // A FIFO in its place would block the read.
            try InputFile.requireRegularFile(folder.checkpoint, file: folder.checkpoint.path, line: nil, field: "checkpoint")
            try trainer.loadCheckpoint(from: folder.checkpoint)
            if let epochs = hyperparameters.epochs {
                guard epochs > trainer.epoch else {
                    throw CLIError("the run in \(folder.url.path) has trained \(trainer.epoch) epoch(s); --epochs \(epochs) must be more to continue it")
                }
                // Asked for more epochs: the early-stopping counter starts again.
                trainer.continueTraining()
            }
        }
        if let initFrom {
            try trainer.initialize(from: RunDirectory(initFrom).readArchive())
        }
        // Under MPI every rank trains; rank 0 alone writes the run folder, the others a scratch one.
        let (rank, finishSharding) = try sharding.start(on: trainer)
        let (deviceName, deviceNote) = try device.apply(to: trainer, distributed: sharding.distributed != .none)
        if rank > 0 { return try TrainCommand.runSecondaryRank(trainer, rank: rank, finish: finishSharding) }

        try writer(resume: resume).run(trainer, run: run, loaded: loaded, folder: folder, lock: lock, force: force,
                                       device: deviceName, note: deviceNote, started: started, finishSharding: finishSharding)
    }

    /// How this command's run is trained and written.
    func writer(resume: Bool) -> RunWriter {
        RunWriter(reporting: reporting, transport: sharding.distributed,
                  deviceChosen: device.deviceOrdinals != nil || device.device != .auto,
                  verb: resume ? "resuming" : "training", resumed: resume, stopAfterEpochs: stopAfterEpochs)
    }

    /// An MPI rank other than 0: trains in step with the others (the collectives need every rank),
    /// checkpointing to a scratch folder that is removed at the end, and writes no results.
    static func runSecondaryRank(_ trainer: Trainer, rank: Int, finish: () throws -> Void) throws {
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("hyperlearn-rank\(rank)-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try trainer.fit { _ in try trainer.saveCheckpoint(to: scratch.appendingPathComponent("checkpoint.bin")) }
        try finish()
    }

    /// Defaults (the embedded ones when no manifest is named), then the --config file, then flags.
    func resolveConfiguration() throws -> RunConfiguration {
        var run = RunConfiguration()
        if let path = hyperparameters.config {
            run = try ConfigFile.load(URL(fileURLWithPath: path), manifestGiven: manifest != nil)
        }
        if let manifest { run.manifest = URL(fileURLWithPath: manifest).standardizedFileURL.path }
        if let root = data.dataRootURL { run.dataRoot = root.path }
        if DataSource(run).isEmbedded {
            // The embedded defaults fill in what the config file left unset.
            let defaults = TrainCommand.embeddedDefaults
            if !run.keysSet.contains("batchSize") { run.training.batchSize = defaults.batchSize }
            if !run.keysSet.contains("epochs") { run.training.epochs = defaults.epochs }
            if !run.keysSet.contains("patience") { run.training.patience = defaults.patience }
        }
        hyperparameters.apply(to: &run.training)
        sharding.defaultShardsFromRanks(&run.training)
        sharding.apply(to: &run.training)
        device.apply(to: &run.training, shardsGiven: sharding.shards != nil || sharding.shardMap != nil)
        try run.training.validate()
        return run
    }

    static func defaultOut(dataset: String) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        return "runs/\(dataset)-\(formatter.string(from: Date()))"
    }

    static func summary(_ test: [String: [String: Double]], epochs: Int, bestEpoch: Int, folder: RunDirectory) -> String {
        var text = "trained \(epochs) epoch(s), best epoch \(bestEpoch)\n"
        for (relation, metrics) in test.sorted(by: { $0.key < $1.key }) {
            let shown = ["rmse", "mae", "auc", "aupr", "mrr", "recall@10"].compactMap { key in
                metrics[key].map { "\(key) \(String(format: "%.4f", $0))" }
            }
            text += "  \(relation) (test): \(shown.joined(separator: ", "))\n"
        }
        text += "results in \(folder.url.path) (metrics.json, embeddings/, training-curve.svg)\n"
        return text
    }
}
