import ArgumentParser
import Foundation
import HyperLearn
#if canImport(Glibc)
import Glibc
#endif

/// `hyperlearn bench [MANIFEST]`: times full-batch training epochs the way the PyTorch peer does
/// (validation off, median after warm-up), splits an epoch into its phases, and sets the achieved
/// rates of the dense and sparse products next to this machine's ceilings.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time training epochs: phases, GFLOP/s and GB/s against this machine's ceilings.",
        discussion: """
            Trains --epochs epochs with validation and early stopping off and reports the median \
            seconds per epoch after the warm-up epochs (5, or fewer when --epochs is small), the \
            seconds per epoch of each phase, the GFLOP/s of the encoders' dense products (flops from \
            the model's shapes: 2·n·in·out per product, forward and backward) and the GB/s of the \
            propagation's sparse products (nnz·d·4 bytes read + rows·d·4 written per product), next \
            to OpenBLAS sgemm on a 2048² product and a STREAM-style triad on 3 × 64 MiB arrays, and \
            the peak resident memory (measured before the ceilings, which allocate their own buffers). \
            With --steps N it times N steps of one epoch instead, and scales the per-step figures to \
            an epoch.
            """)

    @Argument(help: ArgumentHelp("Dataset manifest; default: the bundled drug dataset.", valueName: "manifest"))
    var manifest: String?

    @OptionGroup var data: DataOptions

    @OptionGroup var device: DeviceOptions

    @Option(help: ArgumentHelp("YAML file of TrainingConfiguration settings; flags override it.", valueName: "file"))
    var config: String?

    @Option(help: "Epochs to time, warm-up included (default: 10).")
    var epochs: Int?

    @Option(help: ArgumentHelp("""
        Time N steps instead of whole epochs (at most one epoch's after the first), for a set whose \
        epochs take hours: the first step is the warm-up, and s/epoch is the others' median × steps \
        per epoch.
        """, valueName: "N"))
    var steps: Int?

    @Option(name: .customLong("batch-size"), help: "Positive hyperedges per step of the largest relation (0: full batch).")
    var batchSize = 0

    @Option(help: ArgumentHelp("Neighbours sampled per item and layer (default: the configuration's; 'none': full graph).", valueName: "n,n"))
    var fanouts: Fanouts?

    @Option(name: .customLong("chunk-size"), help: "Hyperedges per decoder chunk (default: the configuration's).")
    var chunkSize: Int?

    @Option(help: "Threads for BLAS and the parallel loops (0: all cores).")
    var threads = 0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .customLong("skip-ceilings"), help: "Do not measure the sgemm and triad ceilings.")
    var skipCeilings = false

    static let warmUpEpochs = 5

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be ≥ 1, got \(epochs)") }
        if let steps, steps < 2 { throw ValidationError("--steps must be ≥ 2 (the first is the warm-up), got \(steps)") }
        if steps != nil && epochs != nil { throw ValidationError("--steps and --epochs exclude each other") }
        if batchSize < 0 { throw ValidationError("--batch-size must be ≥ 0, got \(batchSize)") }
        if let chunkSize, chunkSize < 1 { throw ValidationError("--chunk-size must be ≥ 1, got \(chunkSize)") }
        if threads < 0 { throw ValidationError("--threads must be ≥ 0, got \(threads)") }
    }

    func run() throws {
        var run = RunConfiguration()
        if let config { run = try ConfigFile.load(URL(fileURLWithPath: config)) }
        if let manifest { run.manifest = URL(fileURLWithPath: manifest).standardizedFileURL.path }
        if let root = data.dataRootURL { run.dataRoot = root.path }
        var training = run.training
        if config == nil {
            // Without a configuration file, time the PyTorch peer's model exactly (its docstring):
            // hidden width 64, dropout 0.1, no root weights, no count term, Adam at 0.01 with weight
            // decay 1e-5.
            training.countFeatures = false
            training.hiddenDimensions = 64
            training.dropout = 0.1
            training.rootWeight = false
            training.learningRate = 0.01
            training.weightDecay = 1e-5
        }
        let epochs = steps == nil ? self.epochs ?? 10 : 1
        training.epochs = epochs
        training.batchSize = batchSize
        training.threads = threads
        if let chunkSize { training.chunkSize = chunkSize }
        if let fanouts { training.fanouts = fanouts.values }
        device.apply(to: &training, shardsGiven: training.shards > 1)
        // The peer's protocol: no validation split, no early stopping.
        training.validationFraction = 0
        training.patience = 0
        try training.validate()

        let loaded = try DataSource(run).load().loaded
        let trainer = try Trainer(dataset: loaded.dataset, configuration: training)
        let (deviceName, deviceNote) = try device.apply(to: trainer, distributed: false)
        // The data, its graphs and the model before any step: what training adds is the rest.
        let setupMegabytes = Terminal.peakResidentMegabytes()
        func startCounting() {
            trainer.phaseTimes.reset()
            KernelCounters.reset()
            KernelCounters.isEnabled = true
        }
        // Whole epochs after warm-up ones; or, with --steps, steps after the first, each an epoch's share.
        let stepsPerEpoch = Double(trainer.stepsPerEpoch)
        var times = [Double](), warmUp: Int, measured: Double, scale = 1.0
        if let steps {
            warmUp = 1
            times = try trainer.timeSteps(1)
            startCounting()
            times += try trainer.timeSteps(steps - 1)
            measured = Double(times.count - 1) / stepsPerEpoch
            scale = stepsPerEpoch
        } else {
            warmUp = min(BenchCommand.warmUpEpochs, epochs - 1)
            for epoch in 0..<epochs {
                if epoch == warmUp { startCounting() }
                times.append(try trainer.trainEpoch().seconds)
            }
            measured = Double(epochs - warmUp)
        }
        KernelCounters.isEnabled = false
        let counters = KernelCounters.current
        let peakMegabytes = Terminal.peakResidentMegabytes()
        let timed = Array(times.dropFirst(warmUp)).sorted()
        let medianTime = timed.count % 2 == 1 ? timed[timed.count / 2] : (timed[timed.count / 2 - 1] + timed[timed.count / 2]) / 2
        let median = medianTime * scale

        let work = BenchCommand.encoderWork(trainer.model.encoders)
        let gemmFlops = work.gemmFlops * stepsPerEpoch
        let spmmBytes = work.spmmBytes * stepsPerEpoch
        let gemmSeconds = counters.gemmSeconds / measured, spmmSeconds = counters.spmmSeconds / measured
        let sgemmCeiling = skipCeilings ? nil : try MachineCeilings.sgemmGFLOPS()
        let triadCeiling = skipCeilings ? nil : try MachineCeilings.triadGBPS()
        let gflops = gemmSeconds > 0 ? gemmFlops / gemmSeconds / 1e9 : 0
        let gbps = spmmSeconds > 0 ? spmmBytes / spmmSeconds / 1e9 : 0

        let phaseTotal = trainer.phaseTimes.total
        let phases: [[String: Any]] = trainer.phaseTimes.phases.map { phase in
            ["name": phase.name, "seconds_per_epoch": phase.seconds / measured,
             "share": phaseTotal > 0 ? phase.seconds / phaseTotal : 0]
        }
        var dense: [String: Any] = [
            "gflop_per_epoch": gemmFlops / 1e9, "counted_gflop_per_epoch": counters.gemmFlops / measured / 1e9,
            "calls_per_epoch": Double(counters.gemmCalls) / measured, "seconds_per_epoch": gemmSeconds, "gflops": gflops]
        var sparse: [String: Any] = [
            "gb_per_epoch": spmmBytes / 1e9, "counted_gb_per_epoch": counters.spmmBytes / measured / 1e9,
            "calls_per_epoch": Double(counters.spmmCalls) / measured, "seconds_per_epoch": spmmSeconds, "gbps": gbps]
        if let sgemmCeiling { dense["ceiling_gflops"] = sgemmCeiling; dense["fraction_of_ceiling"] = gflops / sgemmCeiling }
        if let triadCeiling { sparse["ceiling_gbps"] = triadCeiling; sparse["fraction_of_ceiling"] = gbps / triadCeiling }
        let result: [String: Any] = [
            "dataset": loaded.dataset.name, "device": deviceName, "epochs": epochs,
            steps == nil ? "warmup_epochs" : "warmup_steps": warmUp,
            "batch_size": training.batchSize, "fanouts": training.fanouts, "chunk_size": training.chunkSize, "threads": training.threads,
            "steps_per_epoch": trainer.stepsPerEpoch,
            "seconds_per_epoch_median": median, "seconds_per_epoch_min": timed[0] * scale,
            steps == nil ? "epoch_seconds" : "step_seconds": times, "steps_timed": steps == nil ? NSNull() : times.count as Any,
            "phases": phases, "dense": dense, "sparse": sparse,
            "ceilings": ["sgemm_gflops": sgemmCeiling.map { $0 as Any } ?? NSNull(),
                         "triad_gbps": triadCeiling.map { $0 as Any } ?? NSNull()] as [String: Any],
            "peak_rss_mb": peakMegabytes, "setup_peak_rss_mb": setupMegabytes,
        ]
        if json {
            Terminal.write(try JSONOutput.string(result))
            return
        }
        func f(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }
        var text = "bench \(loaded.dataset.name): "
        text += steps == nil ? "\(epochs) epoch(s), \(warmUp) warm-up, "
            : "\(times.count) steps (of \(trainer.stepsPerEpoch) per epoch), 1 warm-up, "
        text += (training.batchSize == 0 ? "full batch" : "batch \(training.batchSize)")
        text += training.fanouts.isEmpty ? "" : ", fanouts \(training.fanouts.map(String.init).joined(separator: ","))"
        text += ", chunk \(training.chunkSize), \(training.threads == 0 ? "all" : String(training.threads)) thread(s)\n\(deviceNote)\n"
        if deviceName != "cpu" { text += "(phases and product rates are measured on the CPU path only)\n" }
        if steps != nil {
            text += "median \(f(medianTime, 4)) s/step → \(f(median, 1)) s/epoch, estimated from \(timed.count) steps\n"
        } else {
            text += "median \(f(median, 4)) s/epoch (min \(f(timed[0], 4)))\n"
        }
        text += "\nphase                 s/epoch   share\n"
        for phase in phases {
            let name = (phase["name"] as! String).padding(toLength: 20, withPad: " ", startingAt: 0)
            let seconds = phase["seconds_per_epoch"] as! Double, share = phase["share"] as! Double
            text += "  \(name) \(f(seconds, 4).leftPadded(8))  \(f(100 * share, 1).leftPadded(5)) %\n"
        }
        text += "\ndense products (sgemm): \(f(gemmFlops / 1e9, 2)) GFLOP/epoch in \(f(gemmSeconds, 4)) s → \(f(gflops, 1)) GFLOP/s"
        text += sgemmCeiling.map { "; ceiling \(f($0, 1)) GFLOP/s (\(f(100 * gflops / $0, 0)) %)" } ?? ""
        text += "\nsparse products (SpMM): \(f(spmmBytes / 1e9, 2)) GB/epoch in \(f(spmmSeconds, 4)) s → \(f(gbps, 1)) GB/s"
        text += triadCeiling.map { "; triad ceiling \(f($0, 1)) GB/s (\(f(100 * gbps / $0, 0)) %)" } ?? ""
        text += "\npeak RSS \(f(peakMegabytes, 0)) MB (\(f(setupMegabytes, 0)) MB before the first step)\n"
        Terminal.write(text)
    }

    /// Per training step: the encoders' `sgemm` flops and the propagation's sparse-product bytes,
    /// from the model's shapes. Forward: one product per layer and input block; backward: the
    /// weight gradient and the input gradient of each layer (the table's too), and one propagation
    /// per layer each way.
    static func encoderWork(_ encoders: [ModalityEncoder]) -> (gemmFlops: Double, spmmBytes: Double) {
        var flops = 0.0, bytes = 0.0
        for encoder in encoders {
            let n = Double(encoder.count), first = Double(encoder.firstBias.value.columns)
            if let table = encoder.table { flops += 3 * 2 * n * Double(table.value.columns) * first }
            // Root weights: one more product per layer forward, and its weight and input gradients.
            if let root = encoder.tableRootWeight { flops += 3 * 2 * n * Double(root.value.rows) * first }
            if let features = encoder.features { flops += 2 * 2 * n * Double(features.columns) * first }
            var widths = [first]
            for conv in encoder.convolutions {
                let input = Double(conv.weight.value.rows), output = Double(conv.weight.value.columns)
                flops += 3 * 2 * n * input * output
                if conv.rootWeight != nil { flops += 3 * 2 * n * input * output }
                widths.append(output)
            }
            if let propagation = encoder.propagation {
                let perColumn = Double(propagation.nonzeroCount + propagation.count) * Double(MemoryLayout<Float>.size)
                bytes += 2 * widths.reduce(0) { $0 + perColumn * $1 }
            }
        }
        return (flops, bytes)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
