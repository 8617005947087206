import Foundation

/// The bounds that data, manifests and settings must respect, checked before anything is allocated,
/// so that a hostile or mistaken input ends in an error that names it instead of a trap, a hang or
/// an out-of-memory kill. `docs/manifest.md` lists them for users.
public enum InputLimits {
    /// Items per modality: item indices are `Int32`.
    public static let maximumItems = Int(Int32.max)
    /// Members per hyperedge (a relation's order).
    public static let maximumOrder = 16
    /// Largest magnitude of a regression value or an edge weight: its square stays far from
    /// `Float.greatestFiniteMagnitude` even summed over a million hyperedges.
    public static let maximumMagnitude = 1e15
    /// Largest relation weight (the loss of a relation is multiplied by it).
    public static let maximumRelationWeight: Float = 1e6
    /// Embedding, hidden and table dimensions.
    public static let maximumDimensions = 4096
    /// Threads for BLAS and the parallel loops.
    public static let maximumThreads = 1024
    /// Elements of one matrix: BLAS indexes with 32-bit integers.
    public static let maximumMatrixElements = Int(Int32.max)
    /// Memory one index-numbered item costs while loading (its ID string and table entry), with room
    /// for its embedding; a modality may use half the machine's memory at this rate.
    static let bytesPerIndexedItem = 256
    /// Characters in a dataset, modality or relation name.
    public static let maximumNameLength = 100
    /// Bytes of one item label (a title); longer is damage, not a name.
    public static let maximumLabelBytes = 4096

    /// Why `name` cannot name a dataset, modality or relation, or nil when it can.
    ///
    /// Names become file names in a run folder (`embeddings/NAME.npy`) and in the default run path,
    /// so they are plain: ASCII letters, digits, `_`, `-` and `.`, starting with a letter, a digit
    /// or `_`, at most ``maximumNameLength`` characters. No `/`, no `..`, nothing hidden.
    public static func problem(withName name: String) -> String? {
        guard !name.isEmpty else { return "a name may not be empty" }
        guard name.count <= maximumNameLength else {
            return "'\(name.prefix(20))…' has \(name.count) characters; at most \(maximumNameLength)"
        }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")
        guard name.allSatisfy(allowed.contains), let first = name.first, first != ".", first != "-" else {
            return "\(HyperLearnError.quoted(name)) is not a plain name: use ASCII letters, digits, '_', '-' and '.', starting with a letter, digit or '_' (names become file names)"
        }
        return nil
    }

    /// Checks what training `dataset` with `configuration` would allocate: dimensions and threads in
    /// range, every embedding and feature matrix within ``maximumMatrixElements``, and the parameters
    /// with their Adam moments within the machine's memory.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` naming the setting and the modality.
    public static func check(_ dataset: Dataset, _ configuration: TrainingConfiguration) throws {
        for (setting, value) in [("dimensions", configuration.dimensions), ("hiddenDimensions", configuration.hiddenDimensions),
                                 ("tableDimensions", configuration.tableDimensions),
                                 ("tupleHiddenDimensions", configuration.tupleHiddenDimensions),
                                 ("attentionDimensions", configuration.attentionDimensions),
                                 ("countHiddenDimensions", configuration.countHiddenDimensions)] where value > maximumDimensions {
            throw HyperLearnError.invalidArgument("\(setting) \(value) is above the limit of \(maximumDimensions)")
        }
        guard configuration.threads <= maximumThreads else {
            throw HyperLearnError.invalidArgument("threads \(configuration.threads) is above the limit of \(maximumThreads)")
        }
        let width = max(configuration.dimensions, configuration.hiddenDimensions, configuration.tableDimensions)
        var floats = 0
        for modality in dataset.modalities {
            let featureWidth = modality.features?.columns ?? 0
            for columns in [width, featureWidth] {
                let (elements, overflow) = modality.count.multipliedReportingOverflow(by: columns)
                guard !overflow, elements <= maximumMatrixElements else {
                    throw HyperLearnError.invalidArgument("modality '\(modality.name)': \(modality.count) items × \(columns) columns is above \(maximumMatrixElements) elements per matrix; use fewer dimensions or fewer items")
                }
            }
            // Value, gradient and two Adam moments of the embeddings, and the propagated activations
            // (bounded above: count × width ≤ 2³¹, so no overflow).
            floats += modality.count * width * 8
        }
        let bytes = Double(floats) * 4
        let memory = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes <= memory else {
            throw HyperLearnError.invalidArgument(String(format: "the model needs about %.1f GB and this machine has %.1f GB; use fewer dimensions", bytes / 1e9, memory / 1e9))
        }
    }
}
