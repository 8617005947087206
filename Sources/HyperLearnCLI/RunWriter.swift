import Foundation
import HyperLearn

/// What `train` and `extend` share once the trainer is built: the run folder made and locked, the
/// epochs with progress and a checkpoint after each, then the results (metrics.json last). A run
/// that fails leaves no half-written folder: a new one goes entirely, a resumed one keeps its last
/// checkpoint.
struct RunWriter {
    var reporting: ReportingOptions
    /// How shards of other processes are reached.
    var transport: DistributedTransport
    var distributed: Bool { transport != .none }
    /// Whether the user named a device (its search notes then matter).
    var deviceChosen: Bool
    /// The progress line's first word ("training", "resuming", "extending").
    var verb: String
    var resumed: Bool
    var stopAfterEpochs: Int?
    /// Lines printed before the first epoch (what an extension adds).
    var notes: [String] = []
    /// Entries added to metrics.json.
    var extraMetrics: [String: Any] = [:]

    /// Creates and locks `folder` unless `lock` already holds it, trains and writes the results.
    func run(_ trainer: Trainer, run: RunConfiguration, loaded: LoadedDataset, folder: RunDirectory, lock: RunLock?,
             force: Bool, device deviceName: String, note deviceNote: String, started: UInt64,
             finishSharding: () throws -> Void) throws {
        var lock = lock
        let created = !FileManager.default.fileExists(atPath: folder.url.path)
        if lock == nil {
            try OutputFolder.create(folder.url, what: "the run folder")
            lock = try RunLock(folder.url)
            // Another run may have finished here between the first check and the lock.
            if folder.holdsRun && !force { throw folder.holdsRunError }
            if force { try folder.removeRunFiles() }
        }
        folder.removeTemporaries()
        do {
            try train(trainer, run: run, loaded: loaded, folder: folder, device: deviceName, note: deviceNote,
                      setupSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, finishSharding: finishSharding)
        } catch {
            // No half-written run: a new one goes entirely, a resumed one keeps its last checkpoint.
            if resumed {
                folder.removeTemporaries()
            } else if created {
                try? FileManager.default.removeItem(at: folder.url)
            } else {
                try? folder.removeRunFiles()
                folder.removeTemporaries()
            }
            throw error
        }
        withExtendedLifetime(lock) {}
    }

    /// Trains and writes the run folder (locked by the caller); exports go to a hidden folder that is
    /// renamed into place, and metrics.json, written last, marks the run finished.
    func train(_ trainer: Trainer, run: RunConfiguration, loaded: LoadedDataset, folder: RunDirectory,
               device deviceName: String, note deviceNote: String, setupSeconds: Double,
               finishSharding: () throws -> Void) throws {
        func since(_ start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        let trainingStart = DispatchTime.now().uptimeNanoseconds

        let progress = ProgressReporter(reporting: reporting, totalEpochs: run.training.epochs)
        if trainer.shardPlan.shardCount > 1 || distributed {
            progress.note("sharding: \(trainer.shardPlan), transport \(transport.rawValue)")
        }
        progress.detail(deviceNote, matters: deviceName != "cpu" || deviceChosen)
        progress.note("\(verb) on \(loaded.dataset.name) → \(folder.url.path)"
                      + (resumed ? " (from epoch \(trainer.epoch))" : ""))
        for line in notes { progress.note(line) }
        for warning in InfoCommand.untestedRelationWarnings(loaded.dataset) { progress.note("warning: \(warning)") }
        try RunDirectory.write(ConfigFile.render(run), to: folder.config)
        try RunDirectory.writeJSON(RunModel(dataset: loaded.dataset, configuration: run.training), to: folder.model)

        // The best epoch's parameters wait in the run's folder, not beside the live ones in memory.
        let bestParameters = folder.url.appendingPathComponent(".best-parameters.bin")
        try trainer.keepBestParameters(in: bestParameters)
        defer { try? FileManager.default.removeItem(at: bestParameters) }
        try trainer.fit { record in
            try trainer.saveCheckpoint(to: folder.checkpoint)
            try RunDirectory.writeJSON(trainer.history, to: folder.history)
            progress.epoch(record, history: trainer.history)
            if let stop = stopAfterEpochs, trainer.epoch >= stop {
                progress.finish()
                Foundation.exit(137)
            }
        }
        progress.finish()
        let steps = max(1, trainer.epoch * trainer.stepsPerEpoch)
        let exchange = ["rows": trainer.exchangeVolume.rowBytes / steps, "biases": trainer.exchangeVolume.biasBytes / steps]
        progress.detail("exchange per step: \(exchange["rows"]!) bytes of gathered rows (K·|B|·d·4), \(exchange["biases"]!) bytes of item biases",
                        matters: trainer.shardPlan.shardCount > 1 || distributed)

        let trainingSeconds = since(trainingStart)
        let evaluationStart = DispatchTime.now().uptimeNanoseconds
        // One encoder pass serves both splits, the exported tables and the model archive.
        let z = trainer.embeddings()
        let test = try trainer.evaluate(on: .test, embeddings: z)
        let validation = try trainer.evaluate(on: .validation, embeddings: z)
        let evaluationSeconds = since(evaluationStart)
        try writeModel(trainer, embeddings: z, dataset: loaded.dataset, to: folder)
        try RunDirectory.writeJSON(trainer.history, to: folder.history)
        try RunDirectory.write(TrainingCurveSVG.render(trainer.history, bestEpoch: trainer.bestEpoch,
                                                       title: "\(loaded.dataset.name): training"), to: folder.curve)
        var relations = [String: Any]()
        for relation in loaded.dataset.relations {
            var entry = [String: Any]()
            if let metrics = test[relation.name] { entry["test"] = metrics }
            if let metrics = validation[relation.name] { entry["validation"] = metrics }
            relations[relation.name] = entry
        }
        let seconds = trainer.history.map(\.seconds)
        let metrics: [String: Any] = [
            "relations": relations, "epochs": trainer.epoch, "best_epoch": trainer.bestEpoch,
            "seconds_per_epoch": seconds.isEmpty ? 0 : seconds.reduce(0, +) / Double(seconds.count),
            "device": deviceName, "dataset": loaded.dataset.name, "seed": NSNumber(value: run.training.seed),
            "peak_rss_mb": Terminal.peakResidentMegabytes(),
            "shards": trainer.shardPlan.shardCount, "exchange_bytes_per_step": exchange,
            // Training forward passes per modality: a frozen modality runs none.
            "encoder_passes": Dictionary(uniqueKeysWithValues: loaded.dataset.modalities.enumerated().map { m, modality in
                (modality.name, trainer.phaseTimes.encoderPasses[m] ?? 0)
            }),
            // Wall time of each part of the run: reading the data and building the graphs and the model
            // (setup), the epochs (validation included), the final test and validation metrics.
            "seconds": ["setup": setupSeconds, "training": trainingSeconds, "evaluation": evaluationSeconds],
        ].merging(extraMetrics) { _, extra in extra }
        try RunDirectory.write(JSONOutput.data(metrics, pretty: true), to: folder.metrics)

        try finishSharding()
        if reporting.json {
            Terminal.write(try JSONOutput.string(metrics))
        } else {
            Terminal.write(TrainCommand.summary(test, epochs: trainer.epoch, bestEpoch: trainer.bestEpoch, folder: folder))
        }
    }

    /// The run's exported embeddings `z` (`embeddings/M.npy` and `M.ids.txt`) and its model archive,
    /// both streamed to their files.
    private func writeModel(_ trainer: Trainer, embeddings z: [Matrix], dataset: Dataset, to folder: RunDirectory) throws {
        try folder.replaceEmbeddings { staging in
            for (m, modality) in dataset.modalities.enumerated() {
                try NPYWriter.write(NPYPayload(float32: z[m]), to: staging.embedding(modality.name))
                try RunDirectory.write(EmbeddingExport.idList(modality.ids), to: staging.ids(modality.name))
            }
        }
        try TrainedModel(trainer, embeddings: z).write(to: folder.archive)
    }
}
