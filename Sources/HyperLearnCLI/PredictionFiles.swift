import Foundation
import HyperLearn

/// `--predictions DIR` of `evaluate` and `ensemble`: one ``PredictionTable`` per relation with a test
/// split, as DIR/RELATION.tsv, each file replaced atomically.
enum PredictionFiles {
    static func write(_ predictor: some Predictor, to path: String) throws {
        let folder = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw CLIError("cannot create the predictions folder \(folder.path): \(error.localizedDescription)")
        }
        for (r, relation) in predictor.dataset.relations.enumerated() {
            guard let table = try PredictionTable.text(predictor, relation: r) else { continue }
            try AtomicFile.write(table, to: folder.appendingPathComponent("\(relation.name).tsv"))
        }
    }
}
