import Foundation

/// Where early stopping keeps the parameters of the best validation epoch.
///
/// In memory (the default) the copy doubles every table once training moves on from that epoch: a
/// table per modality of 256 bytes per item at the default width, 1.5 GB on 6 million items. With
/// ``Trainer/bestParametersFile`` set, the copy goes to that file instead, written atomically at each
/// improvement and read back by ``Trainer/restoreBest()`` and by checkpoints.
extension Trainer {
    /// Records `values` (one per parameter, in ``HyperLearnModel/parameters`` order) as the best epoch's.
    func keepBest(_ values: [Matrix]) throws {
        guard let file = bestParametersFile else {
            bestSnapshot = values
            bestSnapshotInFile = false
            return
        }
        try AtomicFile.write(to: file) { out in
            for value in values { try value.storage.withUnsafeBytes { try out.write($0) } }
        }
        bestSnapshot = nil
        bestSnapshotInFile = true
    }

    /// The best epoch's parameters, read back when they are kept in a file; nil before any.
    /// - Throws: ``HyperLearnError/io(path:reason:)`` when the file is missing, short or unreadable.
    func bestParameters() throws -> [Matrix]? {
        if let bestSnapshot { return bestSnapshot }
        guard bestSnapshotInFile, let file = bestParametersFile else { return nil }
        guard let handle = try? FileHandle(forReadingFrom: file) else {
            throw HyperLearnError.io(path: file.path, reason: "cannot open the best epoch's parameters")
        }
        defer { try? handle.close() }
        return try model.parameters.map { parameter in
            let bytes = parameter.count * MemoryLayout<Float>.size
            guard let data = try handle.read(upToCount: bytes), data.count == bytes else {
                throw HyperLearnError.io(path: file.path, reason: "the best epoch's parameters end before \(parameter.name)'s \(bytes) bytes")
            }
            let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            return Matrix(rows: parameter.rows, columns: parameter.columns, uncheckedStorage: values)
        }
    }
}
