/// The parts of a model that training holds fixed (``Trainer/init(extending:dataset:configuration:freeze:)``
/// with `freeze`): the old modalities, whose embeddings are computed once and held so that their
/// shards do no encoder work, and the old relations, whose decoders do not change.
public struct FrozenParts: Sendable {
    /// Held embeddings `Z_m` (items × d) of the frozen modalities, by modality index.
    public var embeddings: [Int: Matrix]
    /// Relations whose decoder is frozen; a relation whose members are all frozen is not trained at all.
    public var relations: Set<Int>

    public init(embeddings: [Int: Matrix] = [:], relations: Set<Int> = []) {
        self.embeddings = embeddings
        self.relations = relations
    }

    public var isEmpty: Bool { embeddings.isEmpty && relations.isEmpty }

    /// The parameters nothing updates: the frozen modalities' encoders and the frozen relations' decoders.
    func parameters(of model: HyperLearnModel) -> Set<ObjectIdentifier> {
        let encoders = embeddings.keys.flatMap { model.encoders[$0].parameters }
        let decoders = relations.flatMap { model.decoders[$0].parameters }
        return Set((encoders + decoders).map(ObjectIdentifier.init))
    }
}
