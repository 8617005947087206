import Foundation

/// Text and array encodings of a modality's embeddings, for other tools.
///
/// Each takes the embeddings `Z` (`items × d`) and the items' external IDs (`ids[i]` names row `i`).
///
/// ```swift
/// try AtomicFile.write(EmbeddingExport.tsv(z, ids: modality.ids), to: url)
/// ```
public enum EmbeddingExport {
    /// `Z` as a `float32` `.npy` array of shape `items × d`.
    public static func npy(_ embeddings: Matrix) throws -> NPYArray {
        try NPYArray(shape: [embeddings.rows, embeddings.columns], float32: embeddings.storage)
    }

    /// Reads embeddings written by ``npy(_:)`` (any numeric 2-D array).
    public static func matrix(from array: NPYArray) throws -> Matrix {
        guard array.shape.count == 2 else {
            throw HyperLearnError.invalidInput(file: array.origin.file, line: nil, field: array.origin.array,
                                               reason: "expected a 2-D array (items × dimensions), found shape \(array.shape)")
        }
        return try Matrix(rows: array.shape[0], columns: array.shape[1], storage: array.floatValues())
    }

    /// One ID per line (the `ids.txt` beside an `.npy`).
    public static func idList(_ ids: [String]) -> String {
        ids.map { $0 + "\n" }.joined()
    }

    /// One line per item: the ID, then the `d` values, tab-separated.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless there is one ID per row.
    public static func tsv(_ embeddings: Matrix, ids: [String]) throws -> String {
        guard ids.count == embeddings.rows else {
            throw HyperLearnError.invalidArgument("EmbeddingExport.tsv: \(ids.count) IDs for \(embeddings.rows) rows; one per row is needed")
        }
        var text = ""
        text.reserveCapacity(embeddings.rows * (embeddings.columns * 11 + 8))
        for i in 0..<embeddings.rows {
            text += sanitized(ids[i])
            for k in 0..<embeddings.columns { text += "\t" + format(embeddings[i, k]) }
            text += "\n"
        }
        return text
    }

    /// TensorBoard Projector vectors: one item per line, values tab-separated, no ID, no header.
    public static func projectorVectors(_ embeddings: Matrix) -> String {
        var text = ""
        text.reserveCapacity(embeddings.rows * embeddings.columns * 11)
        for i in 0..<embeddings.rows {
            text += (0..<embeddings.columns).map { format(embeddings[i, $0]) }.joined(separator: "\t") + "\n"
        }
        return text
    }

    /// TensorBoard Projector metadata: one line per item, in row order. IDs alone are a single column
    /// without a header line (the Projector's own rule); with labels or categories, an `id` and a
    /// `label` column (an item without a label shows its ID), then one column per categorical feature
    /// (``ItemCategory``), under a header.
    public static func projectorMetadata(ids: [String], labels: [String]? = nil, categories: [ItemCategory] = []) -> String {
        let labels = labels?.count == ids.count ? labels : nil
        let categories = categories.filter { $0.values.count == ids.count }
        guard labels != nil || !categories.isEmpty else { return ids.map { sanitized($0) + "\n" }.joined() }
        var text = (["id", "label"] + categories.map { sanitized($0.name) }).joined(separator: "\t") + "\n"
        for (i, id) in ids.enumerated() {
            let label = labels.map { $0[i].isEmpty ? id : $0[i] } ?? id
            text += ([sanitized(id), sanitized(label)] + categories.map { sanitized($0.values[i]) }).joined(separator: "\t") + "\n"
        }
        return text
    }

    /// Shortest text that reads back to the same `Float`.
    static func format(_ value: Float) -> String { "\(value)" }

    /// `id` with tabs and line ends replaced by spaces: inside a tab-separated field they would shift columns.
    public static func sanitized(_ id: String) -> String {
        guard id.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) else { return id }
        return String(id.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
