/// A relation's test hyperedges with a model's predictions, as a tab-separated table: one line per
/// hyperedge, its members' external IDs, the target value where the relation has one, then the
/// prediction (``Predictor/predictedValues(relation:hyperedges:)``).
///
/// The header names each member column by its modality (`modality#position` where a modality repeats),
/// so that the predictions of several runs on the same split can be joined or averaged by other tools.
///
/// ```swift
/// if let table = try PredictionTable.text(trainer, relation: 0) { try AtomicFile.write(table, to: url) }
/// ```
public enum PredictionTable {
    /// The table, or `nil` when relation `r` has no test hyperedges.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `r` is not a relation of the predictor's
    ///   dataset or the predictor does not give one prediction per test hyperedge; what the predictor throws.
    public static func text(_ predictor: some Predictor, relation r: Int) throws -> String? {
        let dataset = predictor.dataset
        guard dataset.relations.indices.contains(r) else {
            throw HyperLearnError.invalidArgument("PredictionTable.text: relation \(r) does not exist (the dataset has \(dataset.relations.count))")
        }
        let relation = dataset.relations[r]
        guard let hyperedges = relation.test, hyperedges.count > 0 else { return nil }
        let modalities = relation.members.map { dataset.modalities[$0] }
        let predicted = try predictor.predictedValues(relation: r, hyperedges: hyperedges)
        guard predicted.count == hyperedges.count else {
            throw HyperLearnError.invalidArgument("PredictionTable.text: \(predicted.count) predictions for \(hyperedges.count) test hyperedges of '\(relation.name)'")
        }
        let columns = memberColumns(modalities.map(\.name))
        // A labelled member also gets its label (a title) beside its ID.
        let labelled = modalities.map { $0.labels != nil }
        var header = [String]()
        for (column, hasLabel) in zip(columns, labelled) { header += hasLabel ? [column, "\(column)_label"] : [column] }
        if hyperedges.values != nil { header.append("target") }
        header.append("prediction")
        var lines = [header.joined(separator: "\t")]
        lines.reserveCapacity(hyperedges.count + 1)
        let p = relation.order
        for e in 0..<hyperedges.count {
            var fields = [String]()
            for j in 0..<p {
                let item = Int(hyperedges.members[e * p + j])
                fields.append(modalities[j].ids[item])
                if labelled[j] { fields.append(EmbeddingExport.sanitized(modalities[j].label(item))) }
            }
            if let values = hyperedges.values { fields.append("\(values[e])") }
            fields.append("\(predicted[e])")
            lines.append(fields.joined(separator: "\t"))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// Column names for the members: the modality's name, with `#position` where it occurs twice.
    static func memberColumns(_ names: [String]) -> [String] {
        names.enumerated().map { position, name in
            names.filter { $0 == name }.count > 1 ? "\(name)#\(position)" : name
        }
    }
}
