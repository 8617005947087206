import Foundation

/// The HyperLearn model: one ``ModalityEncoder`` per modality and one ``RelationDecoder`` per relation.
///
/// Built from a dataset's structure: each modality's propagation comes from its graph and/or
/// hypergraph (built from the *training* hyperedges only, so that held-out data never shapes it).
public final class HyperLearnModel: @unchecked Sendable {
    public let encoders: [ModalityEncoder]
    public let decoders: [RelationDecoder]
    /// Member modality indices of each relation.
    public let relationMembers: [[Int]]

    /// Builds the model.
    /// - Parameters:
    ///   - dataset: modalities and relations.
    ///   - trainingRelations: the relations restricted to the hyperedges training may use (graphs,
    ///     co-occurrence and incidence features are built from these).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the configuration is invalid
    ///   (``TrainingConfiguration/validate()``) or a modality's graph or hypergraph does not fit its items.
    public init(dataset: Dataset, trainingRelations: [Relation], configuration c: TrainingConfiguration,
                using generator: inout SeededGenerator) throws {
        // The configuration sizes every layer below.
        try c.validate()
        let sizes = dataset.modalities.map(\.count)
        var encoders = [ModalityEncoder]()
        for (m, modality) in dataset.modalities.enumerated() {
            var parts = [any Propagation]()
            if let graph = modality.graph {
                let adjacency: SparseMatrix
                switch graph {
                case let .adjacency(a):
                    guard a.rows == modality.count && a.columns == modality.count else {
                        throw HyperLearnError.invalidArgument("modality '\(modality.name)': graph is \(a.rows)×\(a.columns), expected \(modality.count)×\(modality.count)")
                    }
                    adjacency = try symmetrized(a)
                case let .nearestNeighbors(k):
                    guard let features = modality.features else {
                        throw HyperLearnError.invalidArgument("modality '\(modality.name)': a k-nearest-neighbour graph needs features")
                    }
                    adjacency = try nearestNeighborGraph(features: features, k: k)
                case let .cooccurrence(k, hubLimit):
                    adjacency = try cooccurrenceGraph(
                        incidence: relationIncidence(modality: m, relations: trainingRelations, sizes: sizes, binary: true),
                        k: k, hubLimit: hubLimit)
                }
                parts.append(try NormalizedAdjacency(adjacency: adjacency))
            }
            if let hypergraph = modality.hypergraph {
                let incidence: SparseMatrix
                switch hypergraph {
                case .induced:
                    incidence = try droppingSmallColumns(
                        relationIncidence(modality: m, relations: trainingRelations, sizes: sizes, binary: true), minimum: 1)
                case let .groups(groups):
                    var entries = [(row: Int, column: Int, value: Float)]()
                    for (g, group) in groups.enumerated() {
                        for item in Set(group) {
                            guard item >= 0 && Int(item) < modality.count else {
                                throw HyperLearnError.invalidArgument("modality '\(modality.name)': group \(g) names item \(item) outside 0..<\(modality.count)")
                            }
                            entries.append((Int(item), g, 1))
                        }
                    }
                    incidence = SparseMatrix(rows: modality.count, columns: groups.count, uncheckedEntries: entries)
                }
                parts.append(try HypergraphPropagation(incidence: incidence))
            }
            let propagation: (any Propagation)? = parts.isEmpty ? nil : parts.count == 1 ? parts[0] : try MixedPropagation(parts)
            var sparse = modality.sparseFeatures
            if c.incidenceFeatures {
                sparse = rowNormalized(try relationIncidence(modality: m, relations: trainingRelations, sizes: sizes))
            }
            let dims = Array(repeating: c.hiddenDimensions, count: c.layers - 1) + [c.dimensions]
            var encoderGenerator = generator.split()
            encoders.append(try ModalityEncoder(
                name: modality.name, count: modality.count, features: modality.features, sparseFeatures: sparse,
                propagation: propagation,
                tableDimensions: (modality.features == nil && sparse == nil) ? max(c.tableDimensions, 1) : c.tableDimensions,
                layerDimensions: dims, dropout: c.dropout, rootWeight: c.rootWeight, using: &encoderGenerator))
        }
        var decoders = [RelationDecoder]()
        for relation in dataset.relations {
            var decoderGenerator = generator.split()
            decoders.append(try RelationDecoder(kind: c.decoder, order: relation.order, dimensions: c.dimensions,
                                            tupleHiddenDimensions: c.tupleHiddenDimensions,
                                          attentionDimensions: c.attentionDimensions, attentionHeads: c.attentionHeads,
                                            pairwiseInteractions: c.pairwiseInteractions,
                                            countFeatures: c.hasCountTerm(relation.task),
                                            countHiddenDimensions: c.countHiddenDimensions, name: relation.name,
                                            using: &decoderGenerator))
        }
        self.encoders = encoders
        self.decoders = decoders
        relationMembers = dataset.relations.map(\.members)
    }

    /// Every parameter, in a fixed order (encoders, then decoders).
    public var parameters: [Parameter] { encoders.flatMap(\.parameters) + decoders.flatMap(\.parameters) }

    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
}

/// Each row scaled to unit L2 norm after `log(1 + count)`, so that prolific items do not dominate.
func rowNormalized(_ matrix: SparseMatrix) -> SparseMatrix {
    var result = matrix
    for k in 0..<result.values.count { result.values[k] = Float(log1p(Double(result.values[k]))) }
    var scales = [Float](repeating: 0, count: matrix.rows)
    for i in 0..<matrix.rows {
        var sum: Float = 0
        for k in result.rowOffsets[i]..<result.rowOffsets[i + 1] { sum += result.values[k] * result.values[k] }
        scales[i] = sum > 0 ? 1 / sum.squareRoot() : 0
    }
    return result.uncheckedScaled(rows: scales)
}
