/// A hyperedge score from how often its parts occur among the training hyperedges: an MLP over
/// `c(e) = [log(1 + n_S(e))]_S`, where `S` runs over the members, the pairs of members (order ≥ 3) and
/// the whole hyperedge, and `n_S(e)` counts the training hyperedges that agree with `e` on `S`
/// (``HyperedgeCounts``; docs/method.md, "Count features"):
/// `s(e) = w₃ · ReLU(ReLU(c(e) W₁ + b₁) W₂ + b₂) + b₃`.
///
/// Counts of common neighbours are the classic heuristics of link prediction (Liben-Nowell &
/// Kleinberg, 2007) that GNN link predictors add back as features (SEAL, Zhang & Chen, NeurIPS 2018;
/// NCN, Wang et al., ICLR 2024): a low-rank product of embeddings cannot memorise which user reuses
/// which tag, a pair count states it. In training, a positive's counts leave the positive itself out,
/// and a negative's leave out the positive it was drawn from, so that both look as a held-out
/// hyperedge does.
///
/// Shapes: `W₁` is `F × h` with `F` = ``HyperedgeCounts/featureCount(order:)``, `W₂` is `h × h`, `w₃` is
/// `h × 1`. Its inputs are constants, so only its own parameters take a gradient; like the tuple
/// decoder's they are small and replicated on every shard.
public struct CountDecoder: Sendable, CustomStringConvertible {
    /// `[W₁, W₂, w₃]` with their biases, ReLU after all but the last.
    public let layers: [Linear]

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `order` is below 2 or `hiddenDimensions`
    ///   below 1.
    public init(order: Int, hiddenDimensions: Int, name: String = "counts", using generator: inout SeededGenerator) throws {
        guard order >= 2, hiddenDimensions >= 1 else {
            throw HyperLearnError.invalidArgument(
                "CountDecoder(order:hiddenDimensions:) '\(name)': order \(order) must be ≥ 2 and hiddenDimensions \(hiddenDimensions) ≥ 1")
        }
        let inputs = HyperedgeCounts.featureCount(order: order)
        layers = [try Linear(inputs, hiddenDimensions, name: "\(name).hidden1", using: &generator),
                  try Linear(hiddenDimensions, hiddenDimensions, name: "\(name).hidden2", using: &generator),
                  try Linear(hiddenDimensions, 1, name: "\(name).output", using: &generator)]
    }

    /// The number of count features it reads.
    public var featureCount: Int { layers[0].inputDimensions }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    public var description: String {
        "CountDecoder(\(featureCount) → \(layers[0].outputDimensions) → \(layers[1].outputDimensions) → 1)"
    }
}
