import Foundation

/// The model archive, a folder:
///
/// ```
/// model/model.json       the structure: configuration, modalities with their item IDs, relations, parameter shapes
/// model/weights.npz      every parameter by name (float32)
/// model/embeddings.npz   every modality's final embeddings by modality name (float32, items × d)
/// model/splits.npz       each relation's training and test hyperedges: R.train, R.test (int64, E × p)
///                        and R.train_values, R.test_values (float32) for valued relations
/// ```
extension TrainedModel {
    static let structureFile = "model.json"
    static let weightsFile = "weights.npz"
    static let embeddingsFile = "embeddings.npz"
    static let splitsFile = "splits.npz"

    /// Writes the archive into `folder` as a whole: into a temporary sibling folder first, then
    /// renamed into place, so a reader sees the complete archive or the previous one.
    public func write(to folder: URL) throws {
        let fileManager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let staging = parent.appendingPathComponent(".\(folder.lastPathComponent).tmp-\(UUID().uuidString)")
        do {
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try encoder.encode(structure).write(to: staging.appendingPathComponent(Self.structureFile))
            // Streamed member by member: at scale the archive is gigabytes, and a serialised copy
            // in memory would add its whole size to the run's peak.
            try NPZWriter.write(structure.parameters.map { shape in
                (shape.name, NPYPayload(float32: weights[shape.name]!))
            }, to: staging.appendingPathComponent(Self.weightsFile))
            try NPZWriter.write(zip(structure.modalities, embeddings).map { modality, z in
                (modality.name, NPYPayload(float32: z))
            }, to: staging.appendingPathComponent(Self.embeddingsFile))
            var splitArrays = [(name: String, payload: NPYPayload)]()
            for (relation, structureEntry) in zip(dataset.relations, structure.relations) {
                for (part, set) in [("train", relation.train), ("test", relation.test)] {
                    guard let set else { continue }
                    splitArrays.append(("\(structureEntry.name).\(part)",
                                        try NPYPayload(int64: set.members, shape: [set.count, set.order])))
                    if let values = set.values {
                        splitArrays.append(("\(structureEntry.name).\(part)_values", try NPYPayload(float32: values, shape: [values.count])))
                    }
                }
            }
            try NPZWriter.write(splitArrays, to: staging.appendingPathComponent(Self.splitsFile))
            // The previous archive steps aside, the new one takes its name, then the old one goes: a
            // reader sees one whole archive or (for an instant) none, never a mixture.
            var previous: URL?
            if fileManager.fileExists(atPath: folder.path) {
                let aside = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(UUID().uuidString)")
                try fileManager.moveItem(at: folder, to: aside)
                previous = aside
            }
            try fileManager.moveItem(at: staging, to: folder)
            if let previous { try? fileManager.removeItem(at: previous) }
        } catch {
            try? fileManager.removeItem(at: staging)
            throw HyperLearnError.io(path: folder.path, reason: "cannot write the model archive: \(error)")
        }
    }

    /// Reads an archive written by ``write(to:)``; every file and array is checked against the structure.
    public static func read(from folder: URL) throws -> TrainedModel {
        let structure = try readStructure(from: folder)
        let weightsURL = folder.appendingPathComponent(weightsFile)
        let weightsArchive = try NPZArchive(url: weightsURL)
        var weights = [String: Matrix]()
        for shape in structure.parameters {
            weights[shape.name] = try matrix(weightsArchive.array(named: shape.name), file: weightsURL, name: shape.name,
                                             rows: shape.rows, columns: shape.columns)
        }
        let embeddingsURL = folder.appendingPathComponent(embeddingsFile)
        let embeddingsArchive = try NPZArchive(url: embeddingsURL)
        let embeddings = try structure.modalities.map { modality in
            try matrix(embeddingsArchive.array(named: modality.name), file: embeddingsURL, name: modality.name,
                       rows: modality.ids.count, columns: structure.configuration.dimensions)
        }
        let splitsURL = folder.appendingPathComponent(splitsFile)
        let splitsArchive = try NPZArchive(url: splitsURL)
        let splits = try structure.relations.map { relation -> (train: HyperedgeSet, test: HyperedgeSet?) in
            func set(_ part: String) throws -> HyperedgeSet? {
                let name = "\(relation.name).\(part)"
                guard splitsArchive.contains(name) else { return nil }
                let members = try splitsArchive.array(named: name)
                guard members.shape.count == 2, members.shape[1] == relation.members.count else {
                    throw HyperLearnError.invalidInput(file: splitsURL.path, line: nil, field: name,
                                                       reason: "shape \(members.shape), expected [E, \(relation.members.count)]")
                }
                let indices = try members.int64Values().map { value -> Int32 in
                    guard value >= 0, value < Int64(Int32.max) else {
                        throw HyperLearnError.invalidInput(file: splitsURL.path, line: nil, field: name, reason: "member index \(value)")
                    }
                    return Int32(value)
                }
                var values: [Float]?
                if splitsArchive.contains(name + "_values") {
                    values = try splitsArchive.array(named: name + "_values").floatValues()
                }
                do {
                    return try HyperedgeSet(order: relation.members.count, members: indices, values: values)
                } catch {
                    throw HyperLearnError.invalidInput(file: splitsURL.path, line: nil, field: name, reason: "\(error)")
                }
            }
            guard let train = try set("train") else {
                throw HyperLearnError.invalidInput(file: splitsURL.path, line: nil, field: "\(relation.name).train", reason: "missing")
            }
            return (train, try set("test"))
        }
        do {
            return try TrainedModel(structure: structure, weights: weights, embeddings: embeddings, splits: splits)
        } catch let HyperLearnError.invalidArgument(reason) {
            throw HyperLearnError.invalidInput(file: folder.path, line: nil, field: "model", reason: reason)
        }
    }

    /// Only the archive's structure (`model.json`: configuration, modalities with their IDs and
    /// labels, relations, parameter shapes), without reading any array: for tools that need names, not
    /// weights.
    public static func readStructure(from folder: URL) throws -> Structure {
        let structureURL = folder.appendingPathComponent(structureFile)
        guard let data = try? InputFile.contents(of: structureURL) else {
            throw HyperLearnError.invalidInput(file: structureURL.path, line: nil, field: "model",
                                               reason: "cannot read the model archive's structure (written by `hyperlearn train`)")
        }
        do {
            var structure = try JSONDecoder().decode(Structure.self, from: data)
            structure.configuration.takeEarlierDefaults(storedIn: data)
            return structure
        } catch {
            throw HyperLearnError.invalidInput(file: structureURL.path, line: nil, field: "model", reason: "damaged: \(error)")
        }
    }

    /// `array` as a `rows × columns` matrix, or an error naming the file and array.
    private static func matrix(_ array: NPYArray, file: URL, name: String, rows: Int, columns: Int) throws -> Matrix {
        guard array.shape == [rows, columns] else {
            throw HyperLearnError.invalidInput(file: file.path, line: nil, field: name,
                                               reason: "shape \(array.shape), expected [\(rows), \(columns)]")
        }
        return try Matrix(rows: rows, columns: columns, storage: array.floatValues())
    }
}
