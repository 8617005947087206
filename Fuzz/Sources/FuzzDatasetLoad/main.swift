import FuzzSupport
import Foundation
import HyperLearn

/// A fixed manifest over five data files, each of which the input supplies: item numbering across
/// files, features, value columns, a held-out split, an edge list, a hypergraph's groups, and the
/// graphs a trainer builds from them (kNN over features, co-occurrence, the given edges).
let manifestText = """
    name: fuzz
    modalities:
      user: {features: {file: users.tsv, numeric: [1], categorical: [2]}, graph: {knn: 2}}
      item: {graph: {file: edges.tsv, weight: 2}}
      tag: {graph: {cooccurrence: 2}, hypergraph: {file: groups.txt}}
    relations:
      rating:
        members: [user, item]
        task: regression
        train: {file: ratings.tsv, value: 2}
        test: {fraction: 0.2, seed: 1}
      tagging:
        members: [user, item, tag]
        task: link
        train: {file: tags.tsv}
    """
let fileNames = ["users.tsv", "edges.tsv", "groups.txt", "ratings.tsv", "tags.tsv"]

/// A per-process folder that holds the manifest and the input's files.
let folder: URL = {
    let folder = Fuzz.scratch.deletingPathExtension().appendingPathExtension("dataset")
    try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try! manifestText.write(to: folder.appendingPathComponent("manifest.yaml"), atomically: true, encoding: .utf8)
    return folder
}()

let manifest = try! Manifest.parse(manifestText, url: folder.appendingPathComponent("manifest.yaml"))

let configuration = Fuzz.smallConfiguration()

/// The seed's items, as a trained model would hold them.
let modelIDs = [["u1", "u2", "u3", "u4"], ["i1", "i2", "i3"], ["t1", "t2", "t3"]]

/// The input is the five files in the order of `fileNames`, separated by the byte 0x01 (missing
/// parts are empty files). What `train` does before its first epoch (load, check the limits, build
/// the trainer with its graphs), and what `evaluate --manifest` reads against a trained model's
/// items (the test splits only).
func fuzzDatasetLoad(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let parts = Fuzz.bytes(data, count).split(separator: 1, maxSplits: fileNames.count - 1, omittingEmptySubsequences: false)
    for (index, name) in fileNames.enumerated() {
        let contents = index < parts.count ? Data(parts[index]) : Data()
        _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: contents)
    }
    Fuzz.expectHyperLearnError {
        let loaded = try ManifestLoader(manifest: manifest, dataRoot: folder).load()
        try InputLimits.check(loaded.dataset, configuration)
        _ = try Trainer(dataset: loaded.dataset, configuration: configuration)
    }
    Fuzz.expectHyperLearnError { _ = try ManifestLoader(manifest: manifest, dataRoot: folder).loadTestSplits(ids: modelIDs) }
    return 0
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): a small dataset that loads.
func initializeDatasetLoad(_ seeds: URL) {
    let users = "u1\t0.5\ta\nu2\t1.5\tb\nu3\t-1\ta\nu4\t2\tc\n"
    let edges = "i1\ti2\t1\ni2\ti3\t0.5\ni3\ti1\t2\n"
    let groups = "t1 t2\nt2 t3 t1\n"
    let ratings = (1...4).flatMap { u in (1...3).map { i in "u\(u)\ti\(i)\t\((u + i) % 5 + 1)\n" } }.joined()
    let tags = "u1\ti1\tt1\nu2\ti2\tt2\nu3\ti3\tt3\nu4\ti1\tt2\nu1\ti2\tt3\n"
    let input = [users, edges, groups, ratings, tags].joined(separator: "\u{1}")
    try? input.write(to: seeds.appendingPathComponent("small.bin"), atomically: true, encoding: .utf8)
}

Fuzz.main(seeds: initializeDatasetLoad, fuzzDatasetLoad)
