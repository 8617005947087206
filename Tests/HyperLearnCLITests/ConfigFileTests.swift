@testable import HyperLearnCLI
import HyperLearn
import XCTest

/// `ConfigFile`: YAML through ``TrainingConfiguration``'s decoder, errors that name the file, line and
/// key, and a configuration without a dataset refused rather than run on the bundled one.
final class ConfigFileTests: XCTestCase {
    func error(_ text: String) -> HyperLearnError? {
        do { _ = try ConfigFile.parse(text, file: "c.yaml"); return nil } catch { return error as? HyperLearnError }
    }

    /// Issue 15: a byte-order mark (Windows editors write one) was a YAML syntax error.
    func testByteOrderMarkIsSkipped() throws {
        let run = try ConfigFile.parse("\u{FEFF}epochs: 3\nmanifest: m.yaml\n", file: "c.yaml")
        XCTAssertEqual(run.training.epochs, 3)
        XCTAssertEqual(run.manifest, "m.yaml")
        XCTAssertEqual(run.keysSet, ["epochs", "manifest"])
    }

    func testPartialYAMLGivesTheDefaultsForTheRest() throws {
        let run = try ConfigFile.parse("""
            # a comment
            dimensions: 32
            decoder: cp+tuple
            learningRate: 5e-3
            incidenceFeatures: yes
            earlyStoppingRelation: rating
            manifest: data/manifest.yaml
            """, file: "c.yaml")
        var expected = TrainingConfiguration()
        expected.dimensions = 32
        expected.decoder = .cpTuple
        expected.learningRate = 0.005
        expected.incidenceFeatures = true
        expected.earlyStoppingRelation = "rating"
        XCTAssertEqual(run.training, expected)
        XCTAssertEqual(run.manifest, "data/manifest.yaml")
        XCTAssertNil(run.dataRoot)
        XCTAssertEqual(run.keysSet, ["dimensions", "decoder", "learningRate", "incidenceFeatures", "earlyStoppingRelation", "manifest"])
        XCTAssertEqual(try ConfigFile.parse("", file: "c.yaml").training, TrainingConfiguration())
    }

    func testRenderedFileParsesBackIncludingStrings() throws {
        var run = RunConfiguration()
        run.training.earlyStoppingRelation = "rating: main"
        run.training.smoothness = 0.25
        run.manifest = "embedded:drug"
        let parsed = try ConfigFile.parse(ConfigFile.render(run), file: "c.yaml")
        XCTAssertEqual(parsed.training, run.training)
        XCTAssertEqual(parsed.manifest, "embedded:drug")
    }

    func testUnknownKeyNamesTheKeyAndListsTheAllowedOnes() {
        XCTAssertEqual(error("epochs: 3\n\nepocs: 6\n"),
                       .invalidInput(file: "c.yaml", line: 3, field: "epocs",
                                     reason: "unknown key 'epocs'; allowed keys: \(ConfigFile.allowedKeys.joined(separator: ", "))"))
        XCTAssertTrue(ConfigFile.allowedKeys.contains("manifest") && ConfigFile.allowedKeys.contains("earlyStoppingRelation"))
    }

    func testWrongTypeNamesTheKeyAndLine() {
        XCTAssertEqual(error("epochs: 3\nrootWeight: sometimes\n"),
                       .invalidInput(file: "c.yaml", line: 2, field: "rootWeight", reason: "key 'rootWeight': expected true or false, found 'sometimes'"))
        XCTAssertEqual(error("dropout: .inf\n"),
                       .invalidInput(file: "c.yaml", line: 1, field: "dropout", reason: "key 'dropout': expected a finite number, found inf"))
        XCTAssertEqual(error("seed: -3\n"),
                       .invalidInput(file: "c.yaml", line: 1, field: "seed", reason: "key 'seed': expected a non-negative integer, found '-3'"))
        guard case let .invalidInput(_, line, field, reason)? = error("dimensions: [1, 2]\n") else { return XCTFail() }
        XCTAssertEqual(line, 1)
        XCTAssertEqual(field, "dimensions")
        XCTAssertTrue(reason.hasPrefix("key 'dimensions': expected an integer"), reason)
        guard case let .invalidInput(_, nestedLine, nestedField, nested)? = error("epochs: 2\nfanouts: [[1], 2]\n") else { return XCTFail() }
        XCTAssertEqual(nestedLine, 2)
        XCTAssertEqual(nestedField, "fanouts")
        XCTAssertEqual(nested, "expected a value or a list of values, found nested lists or mappings")
        guard case let .invalidInput(_, _, countField, count)? = error("layers: 2\nfanouts: [10, 5, 2]\n") else { return XCTFail() }
        XCTAssertEqual(countField, "fanouts")
        XCTAssertEqual(count, "fanouts needs one entry per layer (2) or one for all, got 3")
    }

    /// Decoder widths above the limit name their line, as the encoder widths do.
    func testDecoderWidthsAboveTheLimitNameTheirLine() {
        for key in ["tupleHiddenDimensions", "attentionDimensions", "countHiddenDimensions"] {
            XCTAssertEqual(error("epochs: 3\n\(key): 10000\n"),
                           .invalidInput(file: "c.yaml", line: 2, field: key, reason: "10000 is above the limit of 4096"), key)
        }
        XCTAssertEqual(error("countFeatures: true\ncountHiddenDimensions: 0\n"),
                       .invalidInput(file: "c.yaml", line: 2, field: "countHiddenDimensions",
                                     reason: "countHiddenDimensions must be positive, got 0"))
    }

    func testFanoutsAreAList() throws {
        let run = try ConfigFile.parse("fanouts: [10, -1]\n", file: "c.yaml")
        XCTAssertEqual(run.training.fanouts, [10, -1])
        XCTAssertEqual(try ConfigFile.parse(ConfigFile.render(run), file: "again.yaml").training.fanouts, [10, -1])
    }

    func testConfigurationWithoutAManifestIsRefused() throws {
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("config.yaml")
        try "dimensions: 8\nepochs: 1\n".write(to: config, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ConfigFile.load(config, manifestGiven: false)) { error in
            guard case let HyperLearnError.invalidInput(file, _, field, reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, config.path)
            XCTAssertEqual(field, "manifest")
            XCTAssertTrue(reason.contains("names no dataset"), reason)
        }
        XCTAssertNil(try ConfigFile.load(config).manifest, "a manifest on the command line is enough")

        let out = folder.appendingPathComponent("run")
        let result = try CLI.run(["train", "--config", config.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains(config.path) && result.stderr.contains("manifest"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "no run folder for a refused configuration")
    }
}
