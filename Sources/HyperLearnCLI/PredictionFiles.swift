import Foundation
import HyperLearn

/// `--predictions DIR` of `evaluate` and `ensemble`: one ``PredictionTable`` per relation with a test
/// split, as DIR/RELATION.tsv, each file replaced atomically.
enum PredictionFiles {
    static func write(_ predictor: some Predictor, to path: String) throws {
        let folder = URL(fileURLWithPath: path)
        try OutputFolder.create(folder, what: "the predictions folder")
        for (r, relation) in predictor.dataset.relations.enumerated() {
            guard let table = try PredictionTable.text(predictor, relation: r) else { continue }
            try AtomicFile.write(table, to: folder.appendingPathComponent("\(relation.name).tsv"))
        }
    }
}
