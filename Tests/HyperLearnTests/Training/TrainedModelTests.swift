@testable import HyperLearn
import XCTest

/// The model archive: a trained model on its own scores exactly as its trainer does, after a round
/// trip through the files, and refuses damaged archives and bad hyperedges.
final class TrainedModelTests: XCTestCase {
    func trained(decoder: DecoderKind) throws -> Trainer {
        var config = DeviceTrainingParity.configuration()
        config.decoder = decoder
        config.tupleHiddenDimensions = 5
        config.epochs = 2
        let trainer = try Trainer(dataset: try DeviceTrainingParity.fixture(), configuration: config)
        try trainer.fit()
        return trainer
    }

    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("trained-model-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.appendingPathComponent("model")
    }

    func testArchiveRoundTripScoresAsTheTrainer() throws {
        for kind in DecoderKind.allCases {
            let trainer = try trained(decoder: kind)
            let url = try folder()
            try TrainedModel(trainer).write(to: url)
            let loaded = try TrainedModel.read(from: url)
            XCTAssertEqual(loaded.structure.modalities.map(\.ids), trainer.dataset.modalities.map(\.ids))
            XCTAssertEqual(loaded.embeddings, trainer.embeddings(), "\(kind)")
            for (r, relation) in trainer.dataset.relations.enumerated() {
                let hyperedges = trainer.validationSets[r]
                XCTAssertGreaterThan(hyperedges.count, 0)
                XCTAssertEqual(try loaded.scores(relation: r, hyperedges: hyperedges),
                               try trainer.scores(relation: r, hyperedges: hyperedges), "\(kind) \(relation.name)")
                XCTAssertEqual(try loaded.predictions(relation: r, hyperedges: hyperedges),
                               try trainer.predictions(relation: r, hyperedges: hyperedges), "\(kind) \(relation.name)")
            }
            // Writing again replaces the archive as a whole.
            try TrainedModel(trainer).write(to: url)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path), ["model"])
        }
    }

    /// An archive written before the count term was on by default does not name `countFeatures`: it
    /// reads as the model it describes, without a count term, and scores as its trainer did. An archive
    /// that names the key keeps its value.
    func testArchiveWithoutTheCountKeyReadsAsWritten() throws {
        for counts in [false, true] {
            var config = DeviceTrainingParity.configuration()
            config.epochs = 1
            config.countFeatures = counts
            let trainer = try Trainer(dataset: try DeviceTrainingParity.fixture(), configuration: config)
            try trainer.fit()
            let url = try folder()
            try TrainedModel(trainer).write(to: url)
            let structureURL = url.appendingPathComponent("model.json")
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: structureURL)) as? [String: Any])
            var configuration = try XCTUnwrap(object["configuration"] as? [String: Any])
            XCTAssertEqual(configuration["countFeatures"] as? Bool, counts)
            if !counts { configuration["countFeatures"] = nil }
            object["configuration"] = configuration
            try JSONSerialization.data(withJSONObject: object).write(to: structureURL)
            let loaded = try TrainedModel.read(from: url)
            XCTAssertEqual(loaded.structure.configuration.countFeatures, counts)
            XCTAssertEqual(loaded.decoders[0].counts != nil, counts && trainer.dataset.relations[0].task == .link)
            for r in trainer.dataset.relations.indices {
                XCTAssertEqual(try loaded.scores(relation: r, hyperedges: trainer.validationSets[r]),
                               try trainer.scores(relation: r, hyperedges: trainer.validationSets[r]))
            }
        }
    }

    /// The loaded archive evaluates the test split as the trainer does, and a fresh test split too.
    func testArchivedModelEvaluatesAsTheTrainer() throws {
        let fixture = try DeviceTrainingParity.fixture()
        var data = Dataset(name: fixture.name)
        for modality in fixture.modalities { try data.addModality(modality) }
        for relation in fixture.relations {
            var tested = relation
            tested.test = try relation.train.subset(Array(stride(from: 0, to: relation.train.count, by: 7)))
            try data.addRelation(tested)
        }
        var config = DeviceTrainingParity.configuration()
        config.epochs = 2
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let url = try folder()
        try TrainedModel(trainer).write(to: url)
        let loaded = try TrainedModel.read(from: url)
        let expected = trainer.evaluate(on: .test)
        XCTAssertEqual(Set(expected.keys), ["links", "ratings"])
        XCTAssertEqual(try loaded.evaluate(), expected)
        XCTAssertEqual(try loaded.evaluate(tests: data.relations.map(\.test)), expected)
        XCTAssertThrowsError(try loaded.evaluate(tests: [HyperedgeSet([[0, 0, 60]]), nil])) { error in
            XCTAssertTrue("\(error)".contains("outside 0..<60"), "\(error)")
        }
    }

    func testBadHyperedgesAreRefused() throws {
        let model = try TrainedModel(try trained(decoder: .cp))
        let items = model.structure.modalities[0].ids.count
        XCTAssertThrowsError(try model.scores(relation: 0, hyperedges: HyperedgeSet([[Int(items), 0, 0]]))) { error in
            XCTAssertTrue("\(error)".contains("outside 0..<\(items)"), "\(error)")
        }
        XCTAssertThrowsError(try model.scores(relation: 0, hyperedges: HyperedgeSet([[0, 0]]))) { error in
            XCTAssertTrue("\(error)".contains("order 3"), "\(error)")
        }
        XCTAssertThrowsError(try model.scores(relation: 7, hyperedges: HyperedgeSet([[0, 0, 0]])))
        XCTAssertThrowsError(try model.scores(relation: 0, hyperedges: HyperedgeSet(order: 3, members: [0, 0, -1])))
    }

    func testDamagedArchivesNameTheFile() throws {
        let url = try folder()
        try TrainedModel(try trained(decoder: .cp)).write(to: url)
        let weights = url.appendingPathComponent("weights.npz")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count / 2).write(to: weights)
        XCTAssertThrowsError(try TrainedModel.read(from: url)) { error in
            XCTAssertTrue("\(error)".contains("weights.npz"), "\(error)")
        }
        try FileManager.default.removeItem(at: url.appendingPathComponent("model.json"))
        XCTAssertThrowsError(try TrainedModel.read(from: url)) { error in
            XCTAssertTrue("\(error)".contains("model.json"), "\(error)")
        }
    }

    /// A hand-edited model.json: a value range that is not [low, high], a decoder width far above the
    /// limits (which would size an allocation), a relation of one member, a name that is a path, and an
    /// empty file: each is an error naming model.json, never a trap or a huge allocation.
    func testHostileStructureIsRefused() throws {
        let url = try folder()
        try TrainedModel(try trained(decoder: .cp)).write(to: url)
        let structureURL = url.appendingPathComponent("model.json")
        let original = try Data(contentsOf: structureURL)
        func edit(_ change: (inout [String: Any]) -> Void) throws {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: original) as? [String: Any])
            change(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: structureURL)
        }
        func relations(_ change: @escaping (inout [String: Any]) -> Void) -> (inout [String: Any]) -> Void {
            { object in
                var list = object["relations"] as! [[String: Any]]
                change(&list[1])
                object["relations"] = list
            }
        }
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("valueRange", relations { $0["valueRange"] = [5.0] }),
            ("valueRange", relations { $0["valueRange"] = [5.0, 1.0] }),
            ("ratings", relations { $0["members"] = [0] }),
            ("tupleHiddenDimensions", { object in
                var configuration = object["configuration"] as! [String: Any]
                configuration["tupleHiddenDimensions"] = 1 << 40
                configuration["decoder"] = "tuple"
                object["configuration"] = configuration
            }),
        ]
        for (expected, change) in cases {
            try edit(change)
            XCTAssertThrowsError(try TrainedModel.read(from: url), expected) { error in
                XCTAssertTrue("\(error)".contains("model.json") || "\(error)".contains(url.path), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        try Data().write(to: structureURL)
        XCTAssertThrowsError(try TrainedModel.read(from: url)) { error in XCTAssertTrue("\(error)".contains("model.json"), "\(error)") }
    }

    func testMismatchedPartsAreRefused() throws {
        let model = try TrainedModel(try trained(decoder: .cp))
        var weights = model.weights
        let name = model.structure.parameters[0].name
        weights[name] = Matrix(rows: 1, columns: 1)
        XCTAssertThrowsError(try TrainedModel(structure: model.structure, weights: weights, embeddings: model.embeddings, splits: model.dataset.relations.map { ($0.train, $0.test) })) { error in
            XCTAssertTrue("\(error)".contains(name), "\(error)")
        }
        var nonFinite = model.weights
        var value = nonFinite[name]!
        value.storage[0] = .nan
        nonFinite[name] = value
        XCTAssertThrowsError(try TrainedModel(structure: model.structure, weights: nonFinite, embeddings: model.embeddings, splits: model.dataset.relations.map { ($0.train, $0.test) }))
        XCTAssertThrowsError(try TrainedModel(structure: model.structure, weights: model.weights,
                                              embeddings: Array(model.embeddings.dropLast()), splits: model.dataset.relations.map { ($0.train, $0.test) }))
    }
}
