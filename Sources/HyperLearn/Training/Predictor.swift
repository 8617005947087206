/// Something that predicts the hyperedges of a dataset's relations: a trained model (``Trainer``) or
/// an ``Ensemble`` of them.
public protocol Predictor {
    /// The dataset whose relations and items the predictions refer to.
    var dataset: Dataset { get }
    /// Predictions as a user reads them: for a regression relation the value, clamped to the training
    /// targets' range; for a link relation the raw score (higher: more likely).
    func predictedValues(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float]
}

extension Trainer: Predictor {
    /// ``predictions(relation:hyperedges:embeddings:)``: clamped where the relation has training targets,
    /// the raw scores of a link relation otherwise.
    public func predictedValues(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        try predictions(relation: r, hyperedges: hyperedges)
    }
}
