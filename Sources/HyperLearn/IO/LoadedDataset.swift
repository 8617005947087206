import Foundation

/// Counts that help check a dataset was read as intended.
public struct ModalityDiagnostics: Sendable, Equatable {
    /// Number of items.
    public var count: Int
    /// Items listed in the features file.
    public var fromFeatures: Int
    /// Items that appear only in graph or hypergraph files (no features, no hyperedge).
    public var onlyInStructure: Int
    /// Items that appear in some relation's test set but in no relation's training set (cold start).
    public var onlyInTest: Int
}

/// Hyperedge counts of one relation.
public struct RelationDiagnostics: Sendable, Equatable {
    public var train: Int
    public var test: Int
}

/// A dataset read from a manifest, with what was learned while reading it.
public struct LoadedDataset: Sendable {
    public var dataset: Dataset
    /// Per-modality counts, by modality name.
    public var diagnostics: [String: ModalityDiagnostics]
    /// Per-relation train and test counts, by relation name.
    public var relationDiagnostics: [String: RelationDiagnostics]
    /// The data files that were read, resolved.
    public var files: [URL]
}
