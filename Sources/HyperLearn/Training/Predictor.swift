/// Something that predicts the hyperedges of a dataset's relations: a trained model (``Trainer``) or
/// an ``Ensemble`` of them.
public protocol Predictor {
    /// The dataset whose relations and items the predictions refer to.
    var dataset: Dataset { get }
    /// Predictions as a user reads them: for a regression relation the value, clamped to the training
    /// targets' range; for a link relation the raw score (higher: more likely).
    func predictedValues(relation r: Int, hyperedges: HyperedgeSet) -> [Float]
}

extension Trainer: Predictor {
    public func predictedValues(relation r: Int, hyperedges: HyperedgeSet) -> [Float] {
        dataset.relations[r].task == .regression
            ? predictions(relation: r, hyperedges: hyperedges) : scores(relation: r, hyperedges: hyperedges)
    }
}
