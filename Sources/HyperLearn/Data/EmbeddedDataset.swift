import Foundation

/// Datasets bundled with the library, so that a first run needs no download.
///
/// `drug` is the FAERS drug-safety set used by DHNE (user–drug–reaction reports, public domain):
/// `train_data.npz` / `test_data.npz` in the DHNE layout (`train_data`/`test_data` hyperedges and
/// `nums_type` item counts).
///
/// ```swift
/// let manifest = try EmbeddedDataset.drugManifest()
/// let loaded = try manifest.loadDataset()
/// ```
public enum EmbeddedDataset {
    /// The name by which runs refer to the bundled drug dataset (`manifest: embedded:drug`).
    public static let drugName = "drug"

    /// The folder holding `train_data.npz` and `test_data.npz`.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when the resource bundle is missing (an install
    ///   that copied the executable without its `HyperLearn_HyperLearn.resources` folder).
    public static func drugFolder() throws -> URL {
        guard let url = Bundle.module.url(forResource: "drug", withExtension: nil) else {
            throw HyperLearnError.io(path: Bundle.module.bundlePath,
                                     reason: "the bundled drug dataset is missing; copy the resources folder next to the executable")
        }
        return url
    }

    /// The manifest text of the drug dataset: three modalities, each with a co-occurrence graph, and
    /// one link relation `report` over `[user, drug, reaction]`.
    public static let drugManifestText = """
        name: drug
        description: FAERS drug-safety reports (user, drug, reaction), as used by DHNE.
        modalities:
          user: {graph: {cooccurrence: 10}}
          drug: {graph: {cooccurrence: 10}}
          reaction: {graph: {cooccurrence: 10}}
        relations:
          report:
            members: [user, drug, reaction]
            task: link
            train: {file: train_data.npz, array: train_data}
            test: {file: test_data.npz, array: test_data}

        """

    /// The parsed drug manifest; its relative paths resolve against ``drugFolder()``.
    public static func drugManifest() throws -> Manifest {
        let folder = try drugFolder()
        return try Manifest.parse(drugManifestText, url: folder.appendingPathComponent("manifest.yaml"))
    }
}
