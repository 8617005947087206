/// Models of one dataset (different seeds, configurations or graphs) whose predictions are averaged.
///
/// Each member's error has a part that depends on its seed (initialisation, mini-batch order, dropout
/// masks, validation split) and on its graphs; averaging the members cancels part of it. On
/// MovieLens-100K three tuned members take the test RMSE from 0.903 (each) to 0.900, and six, half of
/// them propagating over other graphs, to 0.898 (BENCHMARKS.md). Training cost and memory grow with
/// the number of members.
///
/// ```swift
/// let ensemble = try Ensemble.train(dataset: dataset, configuration: configuration, members: 3)
/// print(try ensemble.evaluate()["rating"]?["rmse"] ?? .nan)
/// ```
public struct Ensemble: Predictor {
    /// The trained members, as models on their own; all predict the same items and test hyperedges.
    public let members: [TrainedModel]

    /// Seed of member `k` when the ensemble is trained from one configuration: `seed + 1000·k`, so
    /// ensembles for seeds 0, 1, 2… share no member.
    public static func memberSeed(_ seed: UInt64, member k: Int) -> UInt64 { seed &+ 1_000 &* UInt64(k) }

    /// Members may differ in everything that does not change what is predicted (configuration,
    /// graphs, hypergraphs, features), so models of different kinds can be averaged too.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` without members, or when a member's items or
    ///   test hyperedges differ from the first member's.
    public init(_ members: [Trainer]) throws {
        try self.init(models: try members.map { try TrainedModel($0) })
    }

    /// An ensemble of loaded models (``TrainedModel/read(from:)``): nothing is rebuilt or re-read.
    public init(models members: [TrainedModel]) throws {
        guard let first = members.first else { throw HyperLearnError.invalidArgument("an ensemble needs at least one model") }
        for (k, member) in members.enumerated().dropFirst() {
            if let difference = Ensemble.difference(member.dataset, first.dataset) {
                throw HyperLearnError.invalidArgument("ensemble member \(k) ('\(member.dataset.name)') does not predict what member 0 ('\(first.dataset.name)') does: \(difference)")
            }
        }
        self.members = members
    }

    /// What makes two datasets' predictions incomparable, or `nil`: the items of each modality and the
    /// relations with their test hyperedges must match.
    static func difference(_ a: Dataset, _ b: Dataset) -> String? {
        guard a.modalities.map(\.name) == b.modalities.map(\.name) else { return "other modalities" }
        for (x, y) in zip(a.modalities, b.modalities) where x.ids != y.ids { return "other items in modality '\(x.name)'" }
        guard a.relations.map(\.name) == b.relations.map(\.name) else { return "other relations" }
        for (x, y) in zip(a.relations, b.relations) {
            if x.members != y.members || x.task != y.task { return "relation '\(x.name)' has other members or another task" }
            if x.test != y.test { return "relation '\(x.name)' has other test hyperedges" }
        }
        return nil
    }

    /// Trains `count` members on `dataset`, member `k` with seed ``memberSeed(_:member:)``, one after the
    /// other; `afterEpoch(k, record)` sees every epoch of every member.
    public static func train(dataset: Dataset, configuration: TrainingConfiguration, members count: Int,
                             afterEpoch: ((Int, EpochRecord) throws -> Void)? = nil) throws -> Ensemble {
        guard count >= 1 else { throw HyperLearnError.invalidArgument("an ensemble needs at least one member, got \(count)") }
        var members = [Trainer]()
        for k in 0..<count {
            var memberConfiguration = configuration
            memberConfiguration.seed = memberSeed(configuration.seed, member: k)
            let trainer = try Trainer(dataset: dataset, configuration: memberConfiguration)
            try trainer.fit { try afterEpoch?(k, $0) }
            members.append(trainer)
        }
        return try Ensemble(members)
    }

    public var dataset: Dataset { members[0].dataset }

    /// The mean of the members' predictions (clamped values for regression, raw scores for links).
    public func predictedValues(relation r: Int, hyperedges: HyperedgeSet) throws -> [Float] {
        average(try members.map { try $0.predictedValues(relation: r, hyperedges: hyperedges) })
    }

    /// Test metrics of the averaged predictions, by the protocol of ``Trainer/evaluate(on:)`` (same
    /// negatives, same ranking queries). Only the test split: each member holds out its own validation
    /// split, which the others trained on.
    /// - Throws: when a member cannot score the test hyperedges or a metric cannot be computed from the scores.
    public func evaluate() throws -> [String: [String: Double]] {
        let protocolOwner = members[0].evaluation
        return try protocolOwner.evaluate(protocolOwner.testSets, candidates: members.map { try $0.candidateScorer() }) { r, hyperedges in
            average(try members.map { member in
                member.evaluation.clamped(try member.rawScores(relation: r, hyperedges: hyperedges), relation: r)
            })
        }
    }

    private func average(_ columns: [[Float]]) -> [Float] {
        var sum = columns[0]
        for column in columns.dropFirst() {
            for i in sum.indices { sum[i] += column[i] }
        }
        let scale = 1 / Float(columns.count)
        return sum.map { $0 * scale }
    }
}
