extension TrainedModel {
    /// The same model with items appended to modality `m`: items embedded after training
    /// (``Trainer/embedNewItems(modality:features:links:)``), which can then be scored and ranked like
    /// trained ones. Their rows follow the trained items'; the relations' hyperedges are unchanged.
    /// - Throws: when `m` is not a modality, an ID is already there or repeats, or the shapes disagree.
    public func addingItems(modality m: Int, ids: [String], _ embedded: ColdStartEmbeddings) throws -> TrainedModel {
        guard structure.modalities.indices.contains(m) else {
            throw HyperLearnError.invalidArgument("modality \(m) does not exist (the model has \(structure.modalities.count))")
        }
        let name = structure.modalities[m].name, d = structure.configuration.dimensions
        guard embedded.embeddings.rows == ids.count, embedded.embeddings.columns == d, embedded.biases.count == ids.count,
              embedded.embeddings.isFinite, embedded.biases.allSatisfy(\.isFinite) else {
            throw HyperLearnError.invalidArgument("modality '\(name)': \(embedded.embeddings.rows)×\(embedded.embeddings.columns) finite embeddings and \(embedded.biases.count) biases expected for \(ids.count) item(s) of dimension \(d)")
        }
        var known = Set(structure.modalities[m].ids)
        for id in ids where !known.insert(id).inserted {
            throw HyperLearnError.invalidArgument("modality '\(name)': item \(HyperLearnError.quoted(id)) is already in the model or given twice")
        }
        var structure = self.structure, weights = self.weights, embeddings = self.embeddings
        structure.modalities[m].ids += ids
        // New items have no label but their ID (which ``Modality/label(_:)`` shows).
        structure.modalities[m].labels? += Array(repeating: "", count: ids.count)
        for c in structure.modalities[m].categories?.indices ?? 0..<0 {
            structure.modalities[m].categories?[c].values += Array(repeating: "", count: ids.count)
        }
        embeddings[m] = Matrix(rows: embeddings[m].rows + ids.count, columns: d,
                               uncheckedStorage: embeddings[m].storage + embedded.embeddings.storage)
        func append(_ parameter: String, _ rows: Matrix) {
            guard let old = weights[parameter], old.columns == rows.columns,
                  let index = structure.parameters.firstIndex(where: { $0.name == parameter }) else { return }
            weights[parameter] = Matrix(rows: old.rows + rows.rows, columns: old.columns, uncheckedStorage: old.storage + rows.storage)
            structure.parameters[index].rows += rows.rows
        }
        append("\(name).item_bias", Matrix(rows: ids.count, columns: 1, uncheckedStorage: embedded.biases))
        if let table = embedded.tableRows { append("\(name).table", table) }
        return try TrainedModel(structure: structure, weights: weights, embeddings: embeddings,
                                splits: dataset.relations.map { ($0.train, $0.test) })
    }
}
