import FuzzSupport
import Foundation
import HyperLearn

/// A small trained model's archive, written once into a scratch folder: every input replaces its
/// `model.json`, so mutations reach the checks between the structure and the arrays beside it.
let archive: URL = {
    let trainer = Fuzz.smallTrainer(epochs: 1, test: true)
    try! trainer.fit()
    let folder = Fuzz.scratch.deletingPathExtension().appendingPathExtension("model")
    try! TrainedModel(trainer).write(to: folder)
    return folder
}()

/// The archive reader and what a loaded model is used for (`predict`, `evaluate`, `export`'s
/// projector metadata and map): a damaged or hand-edited structure must give a ``HyperLearnError``,
/// never a trap or an allocation it sizes.
func fuzzModelArchive(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let structure = archive.appendingPathComponent("model.json")
    _ = FileManager.default.createFile(atPath: structure.path, contents: Data(Fuzz.bytes(data, count)))
    Fuzz.expectHyperLearnError {
        let model = try TrainedModel.read(from: archive)
        for r in model.structure.relations.indices {
            let order = model.structure.relations[r].members.count
            let hyperedges = try HyperedgeSet(order: order, members: (0..<(2 * order)).map { Int32($0 % 3) })
            _ = try model.predictions(relation: r, hyperedges: hyperedges)
        }
        _ = try model.evaluate()
        for (modality, embeddings) in zip(model.structure.modalities, model.embeddings) {
            let categories = modality.categories ?? []
            _ = EmbeddingExport.projectorMetadata(ids: modality.ids, labels: modality.labels, categories: categories)
            _ = try EmbeddingMap(embeddings).svg(labels: modality.labels ?? modality.ids, title: modality.name,
                                                 colouredBy: EmbeddingMap.colouring(categories))
        }
    }
    return 0
}

/// Seeds (with `HYPERLEARN_FUZZ_SEEDS=DIR`): the archive's own `model.json`.
func initializeModelArchive(_ folder: URL) {
    try? FileManager.default.copyItem(at: archive.appendingPathComponent("model.json"),
                                      to: folder.appendingPathComponent("model.json"))
}

Fuzz.main(seeds: initializeModelArchive, fuzzModelArchive)
