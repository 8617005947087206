import ArgumentParser
@testable import HyperLearnCLI
import HyperLearn
import XCTest

final class CLIParsingTests: XCTestCase {
    func testRootParses() throws {
        XCTAssertNoThrow(try HyperLearnCommand.parseAsRoot([]))
    }

    func testTrainFlags() throws {
        let command = try XCTUnwrap(HyperLearnCommand.parseAsRoot([
            "train", "m.yaml", "--out", "runs/x", "--epochs", "3", "--dim", "16", "--lr", "0.005",
            "--batch-size", "128", "--seed", "7", "--threads", "2", "--device", "cpu", "--data-root", "/data", "--quiet",
        ]) as? TrainCommand)
        XCTAssertEqual(command.manifest, "m.yaml")
        XCTAssertEqual(command.out, "runs/x")
        XCTAssertEqual(command.device.device, .cpu)
        for (argument, choice) in [("auto", DeviceChoice.auto), ("cuda", .cuda(0)), ("cuda:3", .cuda(3))] {
            let parsed = try XCTUnwrap(try HyperLearnCommand.parseAsRoot(["train", "--device", argument]) as? TrainCommand)
            XCTAssertEqual(parsed.device.device, choice, argument)
        }
        XCTAssertEqual(command.data.dataRoot, "/data")
        XCTAssertTrue(command.reporting.quiet)
        var configuration = TrainingConfiguration()
        command.hyperparameters.apply(to: &configuration)
        XCTAssertEqual(configuration.epochs, 3)
        XCTAssertEqual(configuration.dimensions, 16)
        XCTAssertEqual(configuration.learningRate, 0.005)
        XCTAssertEqual(configuration.batchSize, 128)
        XCTAssertEqual(configuration.seed, 7)
        XCTAssertEqual(configuration.threads, 2)
    }

    func testTrainRejectsBadCombinations() {
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--resume"]))
        // --epochs alone may come with --resume (a finished run continues); other settings may not.
        XCTAssertNoThrow(try HyperLearnCommand.parseAsRoot(["train", "--resume", "--out", "r", "--epochs", "3"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--resume", "--out", "r", "--lr", "0.1"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--resume", "--out", "r", "--init-from", "x"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["extend", "r", "--manifest", "m", "--out", "r"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["extend", "r", "--manifest", "m", "--out", "o", "--epochs", "0"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["embed", "r", "--modality", "m", "--items", "f", "--k", "0"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["embed", "r", "--modality", "m", "--items", "f", "--bias", "median"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--quiet", "--json"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--device", "tpu"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--device", "cuda:x"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--device", "cuda:-1"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--epochs", "-1"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["train", "--lr", "0"]))
        XCTAssertNoThrow(try HyperLearnCommand.parseAsRoot(["train", "--resume", "--out", "r", "--threads", "1"]))
    }

    func testOtherSubcommands() throws {
        let export = try XCTUnwrap(HyperLearnCommand.parseAsRoot(["export", "run", "--format", "projector", "--to", "o"]) as? ExportCommand)
        XCTAssertEqual(export.format, .projector)
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["export", "run", "--format", "csv"]))
        let predict = try XCTUnwrap(HyperLearnCommand.parseAsRoot(["predict", "run", "--relation", "r", "--given", "user=42,movie=7", "--top", "5"]) as? PredictCommand)
        XCTAssertEqual(try predict.parseGiven().map(\.id), ["42", "7"])
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["predict", "run", "--relation", "r", "--given", "user"]))
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["predict", "run", "--relation", "r", "--given", "u=1", "--top", "0"]))
        XCTAssertTrue(try HyperLearnCommand.parseAsRoot(["evaluate", "run", "--manifest", "m.yaml"]) is EvaluateCommand)
        XCTAssertTrue(try HyperLearnCommand.parseAsRoot(["info"]) is InfoCommand)
        let generate = try XCTUnwrap(HyperLearnCommand.parseAsRoot(["generate", "--items", "50", "--out", "d"]) as? GenerateCommand)
        XCTAssertEqual(generate.modalities, 3)
        XCTAssertEqual(generate.hyperedges, 1_000_000)
        XCTAssertThrowsError(try HyperLearnCommand.parseAsRoot(["generate", "--order", "1", "--out", "d"]))
    }

    func testConfigFileRoundTrip() throws {
        var run = RunConfiguration()
        run.training.dimensions = 12
        run.training.learningRate = 0.003
        run.training.decoder = .cpTuple
        run.training.incidenceFeatures = true
        run.training.seed = 12_345_678_901
        run.manifest = "/data/m.yaml"
        run.dataRoot = "/data"
        let parsed = try ConfigFile.parse(ConfigFile.render(run), file: "c.yaml")
        XCTAssertEqual(parsed.training, run.training)
        XCTAssertEqual(parsed.manifest, run.manifest)
        XCTAssertEqual(parsed.dataRoot, run.dataRoot)
    }

    func testConfigFileErrorsNameTheLine() {
        func error(_ text: String) -> HyperLearnError? {
            do { _ = try ConfigFile.parse(text, file: "c.yaml"); return nil } catch { return error as? HyperLearnError }
        }
        XCTAssertEqual(error("dimensions: 8\nlearningRat: 0.1\n"),
                       .invalidInput(file: "c.yaml", line: 2, field: "learningRat",
                                     reason: "unknown key 'learningRat'; allowed keys: \(ConfigFile.allowedKeys.joined(separator: ", "))"))
        guard case let .invalidInput(_, line, field, _)? = error("epochs: 3\ndimensions: many\n") else { return XCTFail() }
        XCTAssertEqual(line, 2)
        XCTAssertEqual(field, "dimensions")
        guard case let .invalidInput(_, line2, field2, _)? = error("\n\ndecoder: mlp\n") else { return XCTFail() }
        XCTAssertEqual(line2, 3)
        XCTAssertEqual(field2, "decoder")
        guard case let .invalidInput(_, line3, field3, _)? = error("dropout: 1.5\n") else { return XCTFail() }
        XCTAssertEqual(line3, 1)
        XCTAssertEqual(field3, "dropout")
    }
}
