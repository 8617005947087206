import CFuzzer
import Foundation
import HyperLearn

/// What every fuzz target shares: the input as bytes, a scratch file for readers that take a path,
/// and the seed-writing hook.
public enum Fuzz {
    /// A fuzz target's entry point: writes its seeds when `HYPERLEARN_FUZZ_SEEDS` names a folder,
    /// then hands the command line to libFuzzer, which calls `test` with each input.
    public static func main(seeds: (URL) -> Void = { _ in },
                            _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        if let folder = seedFolder {
            try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            seeds(folder)
        }
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, test))
    }

    /// The input libFuzzer passes, as bytes.
    public static func bytes(_ start: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let start, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: start, count: count))
    }

    /// A per-process scratch file in memory-backed storage where there is some.
    public static let scratch: URL = {
        let shm = URL(fileURLWithPath: "/dev/shm")
        let folder = FileManager.default.fileExists(atPath: shm.path) ? shm : FileManager.default.temporaryDirectory
        return folder.appendingPathComponent("hyperlearn-fuzz-\(ProcessInfo.processInfo.processIdentifier).bin")
    }()

    /// Writes `bytes` to ``scratch`` and returns its URL.
    public static func file(_ bytes: [UInt8]) -> URL {
        _ = FileManager.default.createFile(atPath: scratch.path, contents: Data(bytes))
        return scratch
    }

    /// Where `HYPERLEARN_FUZZ_SEEDS` asks a target to write synthetic seeds (nil: write none).
    public static var seedFolder: URL? {
        ProcessInfo.processInfo.environment["HYPERLEARN_FUZZ_SEEDS"].map { URL(fileURLWithPath: $0) }
    }

    /// Every error a reader throws must be a ``HyperLearnError`` (a message for the user); anything
    /// else is a finding.
    public static func expectHyperLearnError(_ body: () throws -> Void) {
        do { try body() } catch is HyperLearnError {} catch {
            fatalError("non-HyperLearnError escaped: \(error)")
        }
    }

    /// The small trainer the model-reading targets share: three modalities of six items, 30 training
    /// triples (and, with `test`, six test triples), d = 4.
    public static func smallTrainer(epochs: Int, test: Bool = false) -> Trainer {
        var data = Dataset(name: "fuzz")
        for m in 0..<3 { try! data.addModality(Modality(name: "m\(m)", count: 6)) }
        var members = [Int32]()
        for e in 0..<30 { members += [Int32(e % 6), Int32((e / 6) % 6), Int32((e + 3) % 6)] }
        var testMembers = [Int32]()
        for e in 0..<6 { testMembers += [Int32(e), Int32((e + 1) % 6), Int32((e + 4) % 6)] }
        try! data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet(order: 3, members: members),
                                       test: test ? HyperedgeSet(order: 3, members: testMembers) : nil))
        return try! Trainer(dataset: data, configuration: smallConfiguration(epochs: epochs))
    }

    /// The targets' model size: d = 4 everywhere, one thread, four ranking queries.
    public static func smallConfiguration(epochs: Int = 1) -> TrainingConfiguration {
        var configuration = TrainingConfiguration()
        configuration.dimensions = 4
        configuration.hiddenDimensions = 4
        configuration.tableDimensions = 4
        configuration.epochs = epochs
        configuration.threads = 1
        configuration.rankingQueries = 4
        return configuration
    }
}
