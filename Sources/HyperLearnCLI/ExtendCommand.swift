import ArgumentParser
import Foundation
import HyperLearn

/// `hyperlearn extend RUN --manifest M2 --out RUN2 [--freeze]`: grows a trained model by new
/// modalities, relations and items, starting every old part from RUN's weights.
struct ExtendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend",
        abstract: "Grow a trained model by modalities, relations or items, without training from scratch.",
        discussion: """
            MANIFEST holds RUN's modalities and relations plus new ones (and new items in old \
            modalities). Items are matched by ID; the command refuses, saying what differs, when an \
            old modality, relation or item is missing or a setting that shapes the model changed. \
            Old parts start from RUN's weights, new parts fresh. With --freeze only the new parts \
            train: the old modalities' embeddings are RUN's, held (their shards run no encoder), and \
            the old relations keep their scores exactly. Settings come from RUN's config.yaml; \
            --epochs and --seed override them. The result is a run folder like `train` writes.
            """)

    @Argument(help: ArgumentHelp("The trained run folder to grow.", valueName: "run"))
    var runPath: String

    @Option(help: ArgumentHelp("Manifest of the grown dataset.", valueName: "file"))
    var manifest: String

    @Option(help: ArgumentHelp("Run folder for the grown model (not RUN itself).", valueName: "dir"))
    var out: String

    @Flag(help: "Train only the new parts; the old ones keep RUN's values exactly.")
    var freeze = false

    @Option(help: "Maximum number of epochs (default: RUN's).")
    var epochs: Int?

    @Option(help: "Random seed (default: RUN's).")
    var seed: UInt64?

    @Flag(help: "Replace the run already in --out instead of refusing to.")
    var force = false

    @OptionGroup var data: DataOptions
    @OptionGroup var device: DeviceOptions
    @OptionGroup var sharding: ShardingOptions
    @OptionGroup var reporting: ReportingOptions

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        if RunDirectory(out).url == RunDirectory(runPath).url {
            throw ValidationError("--out must be another folder than RUN: an extension leaves the trained run as it was")
        }
    }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let source = RunDirectory(runPath)
        let archive = try source.readArchive()
        var run = try source.readConfiguration()
        run.manifest = URL(fileURLWithPath: manifest).standardizedFileURL.path
        run.dataRoot = data.dataRootURL?.path
        if let epochs { run.training.epochs = epochs }
        if let seed { run.training.seed = seed }
        sharding.apply(to: &run.training)
        device.apply(to: &run.training, shardsGiven: sharding.shards != nil || sharding.shardMap != nil)
        try run.training.validate()
        let folder = RunDirectory(out)
        if folder.holdsRun && !force { throw folder.holdsRunError }
        let dataSource = DataSource(run)
        run.manifest = dataSource.recordedManifest
        let loaded = try dataSource.load().loaded
        try InputLimits.check(loaded.dataset, run.training)
        let trainer = try Trainer(extending: archive, dataset: loaded.dataset, configuration: run.training, freeze: freeze)
        guard let match = trainer.extensionMatch else { throw CLIError("internal: the extension did not record its match") }
        let (rank, finishSharding) = try sharding.start(on: trainer)
        let (deviceName, deviceNote) = try device.apply(to: trainer, distributed: sharding.distributed != .none)
        if rank > 0 {
            return try TrainCommand.runSecondaryRank(trainer, rank: rank, finish: finishSharding)
        }
        let frozen = freeze ? archive.structure.modalities.map(\.name) : []
        var writer = RunWriter(reporting: reporting, transport: sharding.distributed,
                               deviceChosen: device.deviceOrdinals != nil || device.device != .auto,
                               verb: "extending \(source.url.lastPathComponent)", resumed: false, stopAfterEpochs: nil)
        writer.notes = try ["adds \(match.summary(in: loaded.dataset))"
                        + (freeze ? "; frozen: \(frozen.joined(separator: ", ")) and relations \(archive.structure.relations.map(\.name).joined(separator: ", "))" : "")]
        writer.extraMetrics = ["extended_from": source.url.path, "frozen_modalities": frozen,
                               "new_modalities": match.newModalities, "new_relations": match.newRelations]
        try writer.run(trainer, run: run, loaded: loaded, folder: folder, lock: nil, force: force,
                       device: deviceName, note: deviceNote, started: started, finishSharding: finishSharding)
    }
}
