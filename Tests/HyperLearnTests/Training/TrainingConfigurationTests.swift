@testable import HyperLearn
import Foundation
import XCTest

/// `TrainingConfiguration`'s decoder: any subset of the keys, defaults for the rest, and errors that
/// name the key.
final class TrainingConfigurationTests: XCTestCase {
    func decode(_ json: String) throws -> TrainingConfiguration {
        try JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8))
    }

    /// docs/configuration.md documents every key, so that a new setting cannot stay undocumented.
    func testEveryKeyIsDocumented() throws {
        var root = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { root.deleteLastPathComponent() }
        let text = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        for key in TrainingConfiguration.keyNames {
            XCTAssertTrue(text.contains("| `\(key)` |"), "docs/configuration.md has no row for '\(key)'")
        }
    }

    func testPartialObjectKeepsTheDefaultsForTheRest() throws {
        let decoded = try decode(#"{"dimensions": 12, "decoder": "cp+tuple", "incidenceFeatures": true, "learningRate": 0.02, "seed": 12345678901}"#)
        var expected = TrainingConfiguration()
        expected.dimensions = 12
        expected.decoder = .cpTuple
        expected.incidenceFeatures = true
        expected.learningRate = 0.02
        expected.seed = 12_345_678_901
        XCTAssertEqual(decoded, expected)
        XCTAssertEqual(decoded.epochs, 200)
        XCTAssertEqual(decoded.batchSize, 8_192)
        XCTAssertEqual(try decode("{}"), TrainingConfiguration())
    }

    func testEncodingRoundTripsAndUsesEveryKey() throws {
        var configuration = TrainingConfiguration()
        configuration.earlyStoppingRelation = "rating"
        configuration.dropout = 0.25
        configuration.shards = 3
        let data = try JSONEncoder().encode(configuration)
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfiguration.self, from: data), configuration)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), Set(TrainingConfiguration.keyNames))
        XCTAssertEqual(TrainingConfiguration.keyNames, Mirror(reflecting: configuration).children.compactMap(\.label),
                       "one key per property, in declaration order")
    }

    func testUnknownKeyIsNamedAndTheKnownOnesListed() {
        XCTAssertThrowsError(try decode(#"{"dimensions": 8, "learningRat": 0.1}"#)) { error in
            guard case let DecodingError.dataCorrupted(context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.last?.stringValue, "learningRat")
            XCTAssertTrue(context.debugDescription.hasPrefix("unknown key 'learningRat'; known keys: dimensions, hiddenDimensions,"),
                          context.debugDescription)
            XCTAssertTrue(context.debugDescription.contains("learningRate"))
        }
    }

    /// A loss or penalty weight must be a finite number: an infinite one would turn every gradient into
    /// infinities or NaN at the first step.
    func testNonFiniteWeightsAreRefused() throws {
        let weights: [(String, WritableKeyPath<TrainingConfiguration, Float>)] = [
            ("weightDecay", \.weightDecay), ("smoothness", \.smoothness),
            ("embeddingRegularization", \.embeddingRegularization), ("standaloneEmbeddingLoss", \.standaloneEmbeddingLoss)]
        for (name, path) in weights {
            for bad in [Float.infinity, -.infinity, .nan, -1] {
                var configuration = TrainingConfiguration()
                configuration[keyPath: path] = bad
                XCTAssertThrowsError(try configuration.validate(), "\(name) = \(bad)") { error in
                    XCTAssertTrue("\(error)".contains(name), "\(error)")
                }
            }
            var configuration = TrainingConfiguration()
            configuration[keyPath: path] = 0.5
            XCTAssertNoThrow(try configuration.validate(), name)
        }
    }

    func testWrongTypesNameTheKey() {
        for (json, key, expected) in [(#"{"dimensions": "many"}"#, "dimensions", "expected an integer, found 'many'"),
                                      (#"{"rootWeight": 3}"#, "rootWeight", "expected true or false"),
                                      (#"{"dropout": "high"}"#, "dropout", "expected a number, found 'high'"),
                                      (#"{"seed": -1}"#, "seed", "expected a non-negative integer"),
                                      (#"{"epochs": 2.5}"#, "epochs", "expected an integer")] {
            XCTAssertThrowsError(try decode(json), json) { error in
                guard case let DecodingError.typeMismatch(_, context) = error else { return XCTFail("\(json): \(error)") }
                XCTAssertEqual(context.codingPath.last?.stringValue, key, json)
                XCTAssertTrue(context.debugDescription.hasPrefix("key '\(key)': \(expected)"), context.debugDescription)
            }
        }
        XCTAssertThrowsError(try decode(#"{"decoder": "mlp"}"#)) { error in
            guard case let DecodingError.dataCorrupted(context) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(context.codingPath.last?.stringValue, "decoder")
            XCTAssertTrue(context.debugDescription.contains("unknown decoder 'mlp'; use cp,"), context.debugDescription)
        }
    }

    /// A stored configuration (model archive, checkpoint) that does not name `countFeatures` was written
    /// while it was off by default; one that names it keeps its value, and a file's other keys do not matter.
    func testStoredConfigurationsKeepTheirEarlierCountDefault() throws {
        func read(_ json: String) -> Bool {
            var configuration = TrainingConfiguration()
            XCTAssertTrue(configuration.countFeatures, "on by default")
            configuration.takeEarlierDefaults(storedIn: Data(json.utf8))
            return configuration.countFeatures
        }
        XCTAssertFalse(read(#"{"configuration": {"dimensions": 8}, "epoch": 3}"#))
        // Without the key, the parameters the file holds decide (an edited file keeps its count term).
        XCTAssertTrue(read(#"{"configuration": {}, "parameters": [{"name": "tags.counts.hidden1.weight"}]}"#))
        XCTAssertTrue(read(#"{"configuration": {}, "parameterNames": ["m.item_bias", "tags.counts.output.bias"]}"#))
        XCTAssertFalse(read(#"{"configuration": {}, "parameterNames": ["m.item_bias", "tags.cp.weights"]}"#))
        XCTAssertTrue(read(#"{"configuration": {"countFeatures": true}}"#))
        XCTAssertTrue(read(#"{"epoch": 3}"#), "no configuration object: nothing to read")
        XCTAssertTrue(read("not json"))
    }
}
