import HyperLearn
import XCTest

/// Runs the built `hyperlearn` on the tiny fixture: one trained run is shared by the tests that read it.
final class CLIEndToEndTests: XCTestCase {
    nonisolated(unsafe) static var sharedRun: URL?
    nonisolated(unsafe) static var sharedFolder: URL?

    /// The tiny fixture, trained once.
    func trainedRun() throws -> URL {
        if let run = CLIEndToEndTests.sharedRun { return run }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hyperlearn-cli-shared-\(UUID().uuidString)")
        CLIEndToEndTests.sharedFolder = folder
        let run = folder.appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: run))
        XCTAssertEqual(result.status, 0, result.stderr)
        CLIEndToEndTests.sharedRun = run
        return run
    }

    override class func tearDown() {
        if let folder = sharedFolder { try? FileManager.default.removeItem(at: folder) }
        super.tearDown()
    }

    func testTrainWritesTheRunFolder() throws {
        let run = try trainedRun()
        for name in ["metrics.json", "checkpoint.bin", "config.yaml", "history.json", "training-curve.svg", "model.json",
                     "embeddings/user.npy", "embeddings/user.ids.txt", "embeddings/item.npy", "embeddings/tag.ids.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.appendingPathComponent(name).path), name)
        }
        let metrics = try CLI.json(run.appendingPathComponent("metrics.json"))
        for key in ["relations", "epochs", "best_epoch", "seconds_per_epoch", "device", "dataset", "seed", "peak_rss_mb"] {
            XCTAssertNotNil(metrics[key], key)
        }
        XCTAssertEqual(metrics["epochs"] as? Int, 6)
        XCTAssertGreaterThan(try XCTUnwrap(metrics["peak_rss_mb"] as? Double), 1, "the process's own peak, never 0")
        let seconds = try XCTUnwrap(metrics["seconds"] as? [String: Double])
        XCTAssertEqual(Set(seconds.keys), ["setup", "training", "evaluation"])
        XCTAssertTrue(seconds.values.allSatisfy { $0 > 0 && $0 < 600 }, "\(seconds)")
        XCTAssertEqual(metrics["device"] as? String, "cpu")
        XCTAssertEqual(metrics["dataset"] as? String, "tiny")
        let relations = try XCTUnwrap(metrics["relations"] as? [String: [String: [String: Double]]])
        XCTAssertEqual(Set(relations["rating"]?["test"]?.keys ?? [:].keys), ["rmse", "mae"])
        let link = try XCTUnwrap(relations["tagging"]?["test"])
        for key in ["auc", "aupr", "auc_random", "aupr_random", "mrr", "recall@10"] { XCTAssertNotNil(link[key], key) }
        XCTAssertNotNil(relations["tagging"]?["validation"]?["auc"])
        let history = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("history.json"))) as? [[String: Any]])
        XCTAssertEqual(history.count, 6)
        let svg = try String(contentsOf: run.appendingPathComponent("training-curve.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg") && svg.contains("training loss") && svg.contains("polyline"))
        XCTAssertTrue(svg.contains("validation rating rmse (lower is better)") && svg.contains("validation tagging auc (higher is better)"), svg)
        let user = try NPYArray.read(contentsOf: run.appendingPathComponent("embeddings/user.npy"))
        XCTAssertEqual(user.shape, [24, 8])
        let ids = try String(contentsOf: run.appendingPathComponent("embeddings/user.ids.txt"), encoding: .utf8)
        XCTAssertTrue(ids.hasPrefix("u0\nu1\n"))
    }

    func testConfigFileRepeatsTheRun() throws {
        let run = try trainedRun()
        let again = try CLI.temporaryFolder(self).appendingPathComponent("again")
        let result = try CLI.run(["train", "--config", run.appendingPathComponent("config.yaml").path, "--out", again.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try CLI.json(run.appendingPathComponent("metrics.json")), b = try CLI.json(again.appendingPathComponent("metrics.json"))
        XCTAssertEqual(a["relations"] as? NSDictionary, b["relations"] as? NSDictionary)
    }

    /// `--early-stopping RELATION` names the relation whose validation metric alone stops the run.
    func testEarlyStoppingRelationFlag() throws {
        let manifest = CLI.tiny.appendingPathComponent("manifest.yaml")
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(manifest, out: out) + ["--early-stopping", "rating"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let config = try String(contentsOf: out.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(config.contains("earlyStoppingRelation: \"rating\""), config)
        let history = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("history.json"))) as? [[String: Any]])
        for record in history {
            let rmse = try XCTUnwrap((record["validation"] as? [String: [String: Double]])?["rating"]?["rmse"])
            XCTAssertEqual(try XCTUnwrap(record["validationScore"] as? Double), rmse, accuracy: 1e-9)
        }
        let bad = try CLI.run(CLI.trainArguments(manifest, out: out.deletingLastPathComponent().appendingPathComponent("bad"))
                              + ["--early-stopping", "ratings"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("'ratings' is not a relation"), bad.stderr)
    }

    func testResumeAfterAKillEndsLikeAnUninterruptedRun() throws {
        let run = try trainedRun()
        let resumed = try CLI.temporaryFolder(self).appendingPathComponent("resumed")
        let manifest = CLI.tiny.appendingPathComponent("manifest.yaml")
        let killed = try CLI.run(CLI.trainArguments(manifest, out: resumed) + ["--stop-after-epochs", "2"])
        XCTAssertEqual(killed.status, 137)
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumed.appendingPathComponent("metrics.json").path))
        let result = try CLI.run(["train", "--out", resumed.path, "--resume", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let a = try CLI.json(run.appendingPathComponent("metrics.json")), b = try CLI.json(resumed.appendingPathComponent("metrics.json"))
        XCTAssertEqual(a["relations"] as? NSDictionary, b["relations"] as? NSDictionary)
        XCTAssertEqual(a["epochs"] as? Int, b["epochs"] as? Int)
        XCTAssertEqual(a["best_epoch"] as? Int, b["best_epoch"] as? Int)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("embeddings/item.npy")),
                       try Data(contentsOf: resumed.appendingPathComponent("embeddings/item.npy")))
    }

    /// `neighbors`: the most cosine-similar items, by the stored embeddings, most similar first.
    func testNeighborsListsTheMostSimilarItems() throws {
        let run = try trainedRun()
        let result = try CLI.run(["neighbors", run.path, "--modality", "item", "--id", "i2", "--top", "3", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(object["neighbors"] as? [[String: Any]])
        XCTAssertEqual(rows.count, 3)
        let similarities = rows.compactMap { $0["similarity"] as? Double }
        XCTAssertEqual(similarities, similarities.sorted(by: >))
        XCTAssertFalse(rows.contains { $0["id"] as? String == "i2" }, "the item itself is left out")
        // The same numbers from the exported embeddings, computed here.
        let z = try NPYArray.read(contentsOf: run.appendingPathComponent("embeddings/item.npy"))
        let ids = try String(contentsOf: run.appendingPathComponent("embeddings/item.ids.txt"), encoding: .utf8).split(separator: "\n").map(String.init)
        let values = CLIShardingTests.floats(z), d = 8
        func row(_ id: String) -> [Float] { let i = ids.firstIndex(of: id)!; return Array(values[(i * d)..<((i + 1) * d)]) }
        func cosine(_ a: [Float], _ b: [Float]) -> Double {
            let dot = zip(a, b).reduce(0) { $0 + Double($1.0 * $1.1) }
            return dot / (zip(a, a).reduce(0) { $0 + Double($1.0 * $1.1) }.squareRoot() * zip(b, b).reduce(0) { $0 + Double($1.0 * $1.1) }.squareRoot())
        }
        let best = ids.filter { $0 != "i2" }.max { cosine(row($0), row("i2")) < cosine(row($1), row("i2")) }
        XCTAssertEqual(rows[0]["id"] as? String, best)
        XCTAssertEqual(similarities[0], cosine(row(best!), row("i2")), accuracy: 1e-4)
        let unknown = try CLI.run(["neighbors", run.path, "--modality", "item", "--id", "nope"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("'nope'"), unknown.stderr)
    }

    func testExportInEachFormat() throws {
        let run = try trainedRun()
        let out = try CLI.temporaryFolder(self)
        for format in ["npy", "tsv", "projector", "map"] {
            let result = try CLI.run(["export", run.path, "--format", format, "--to", out.appendingPathComponent(format).path])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let npy = try NPYArray.read(contentsOf: out.appendingPathComponent("npy/tag.npy"))
        XCTAssertEqual(npy.shape, [8, 8])
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("npy/tag.ids.txt"), encoding: .utf8).split(separator: "\n").count, 8)
        let tsv = try String(contentsOf: out.appendingPathComponent("tsv/user.tsv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(tsv.count, 24)
        XCTAssertEqual(tsv[0].split(separator: "\t").count, 9)
        XCTAssertEqual(tsv[0].split(separator: "\t").first, "u0")
        let vectors = try String(contentsOf: out.appendingPathComponent("projector/item.vectors.tsv"), encoding: .utf8).split(separator: "\n")
        let metadata = try String(contentsOf: out.appendingPathComponent("projector/item.metadata.tsv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(vectors.count, 16)
        XCTAssertEqual(vectors[0].split(separator: "\t").count, 8)
        let ids = try String(contentsOf: run.appendingPathComponent("embeddings/item.ids.txt"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(metadata, ids)
        XCTAssertEqual(metadata.count, 16)
        let map = try String(contentsOf: out.appendingPathComponent("map/user.svg"), encoding: .utf8)
        XCTAssertTrue(map.hasPrefix("<svg") && map.contains("user embeddings (PCA)"), map)
        XCTAssertEqual(map.components(separatedBy: "<circle").count - 1, 24, "a point per user")
        XCTAssertTrue(map.contains("<title>u0</title>"))
    }

    func testEvaluateReproducesTheTestMetrics() throws {
        let run = try trainedRun()
        let result = try CLI.run(["evaluate", run.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let metrics = try CLI.json(run.appendingPathComponent("metrics.json"))
        let expected = try XCTUnwrap(metrics["relations"] as? [String: [String: Any]])
        let actual = try XCTUnwrap(printed["relations"] as? [String: [String: Any]])
        for relation in ["rating", "tagging"] {
            XCTAssertEqual(actual[relation]?["test"] as? NSDictionary, expected[relation]?["test"] as? NSDictionary, relation)
        }
    }

    /// A run with the count term and a warm validation split: `config.yaml` keeps both settings,
    /// `evaluate` reproduces metrics.json from the archive alone (the counts rebuilt from its training
    /// split), and `predict` ranks through the count term.
    func testCountFeaturesRunEndToEnd() throws {
        let folder = try CLI.temporaryFolder(self)
        let config = folder.appendingPathComponent("config.yaml"), run = folder.appendingPathComponent("run")
        try (String(contentsOf: CLI.tiny.appendingPathComponent("config.yaml"), encoding: .utf8)
             + "countFeatures: true\ncountHiddenDimensions: 6\nwarmValidation: true\n").write(to: config, atomically: true, encoding: .utf8)
        let trained = try CLI.run(["train", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--config", config.path,
                                   "--out", run.path, "--quiet"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let resolved = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        XCTAssertTrue(resolved.contains("countFeatures: true") && resolved.contains("countHiddenDimensions: 6")
                      && resolved.contains("warmValidation: true"), resolved)
        let weights = try NPZArchive(url: run.appendingPathComponent("model/weights.npz"))
        XCTAssertTrue(weights.contains("tagging.counts.output.weight"))
        XCTAssertFalse(weights.contains("rating.counts.output.weight"), "a valued relation has no count term")
        let evaluated = try CLI.run(["evaluate", run.path])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
        let expected = try XCTUnwrap(try CLI.json(run.appendingPathComponent("metrics.json"))["relations"] as? [String: [String: Any]])
        let actual = try XCTUnwrap(printed["relations"] as? [String: [String: Any]])
        XCTAssertEqual(actual["tagging"]?["test"] as? NSDictionary, expected["tagging"]?["test"] as? NSDictionary)
        let predicted = try CLI.run(["predict", run.path, "--relation", "tagging", "--given", "user=u3,item=i2", "--top", "3"])
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertEqual(predicted.stdout.split(separator: "\n").count, 4)
    }

    /// `evaluate --predictions` writes what the metrics were computed from; `ensemble` averages runs.
    func testPredictionFilesAndTheEnsembleOfTwoRuns() throws {
        let first = try trainedRun()
        let folder = try CLI.temporaryFolder(self)
        let second = folder.appendingPathComponent("seed1")
        let trained = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: second) + ["--seed", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)

        /// Columns of DIR/rating.tsv after the header: user, item, target, prediction.
        func ratingTable(_ dir: URL) throws -> [[String]] {
            let lines = try String(contentsOf: dir.appendingPathComponent("rating.tsv"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.first, "user\titem\ttarget\tprediction")
            return lines.dropFirst().map { $0.split(separator: "\t").map(String.init) }
        }
        func rmse(_ rows: [[String]]) -> Double {
            (rows.reduce(0.0) { total, row in
                let error = Double(Float(row[3])!) - Double(Float(row[2])!)
                return total + error * error
            } / Double(rows.count)).squareRoot()
        }
        func printedRMSE(_ result: CLI.Result) throws -> Double {
            let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let relations = try XCTUnwrap(printed["relations"] as? [String: [String: [String: Double]]])
            return try XCTUnwrap(relations["rating"]?["test"]?["rmse"])
        }
        var tables = [[[String]]]()
        for (k, run) in [first, second].enumerated() {
            let out = folder.appendingPathComponent("predictions\(k)")
            let result = try CLI.run(["evaluate", run.path, "--predictions", out.path])
            XCTAssertEqual(result.status, 0, result.stderr)
            let rows = try ratingTable(out)
            XCTAssertEqual(rows.count, 30, "one line per test rating")
            XCTAssertEqual(try printedRMSE(result), rmse(rows), accuracy: 1e-6)
            let tagging = try String(contentsOf: out.appendingPathComponent("tagging.tsv"), encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(tagging.first, "user\titem\ttag\tprediction")
            tables.append(rows)
        }
        XCTAssertEqual(tables[0].map { $0.prefix(3) }, tables[1].map { $0.prefix(3) }, "same hyperedges, same order")

        let averaged = folder.appendingPathComponent("ensemble")
        let ensemble = try CLI.run(["ensemble", first.path, second.path, "--predictions", averaged.path])
        XCTAssertEqual(ensemble.status, 0, ensemble.stderr)
        let rows = try ratingTable(averaged)
        for (e, row) in rows.enumerated() {
            XCTAssertEqual(Float(row[3])!, (Float(tables[0][e][3])! + Float(tables[1][e][3])!) / 2, accuracy: 1e-5)
        }
        XCTAssertEqual(try printedRMSE(ensemble), rmse(rows), accuracy: 1e-6)

        let alone = try CLI.run(["ensemble", first.path])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.stderr.contains("at least two run folders"), alone.stderr)
    }

    func testPredictRanksTheMissingMember() throws {
        let run = try trainedRun()
        let result = try CLI.run(["predict", run.path, "--relation", "tagging", "--given", "user=u3,item=i2", "--top", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines[0], "rank\ttag\tscore")
        XCTAssertTrue(lines[1].hasPrefix("1\tt"))
        let unknownID = try CLI.run(["predict", run.path, "--relation", "tagging", "--given", "user=nobody,item=i2"])
        XCTAssertEqual(unknownID.status, 2)
        XCTAssertTrue(unknownID.stderr.contains("'nobody'") && unknownID.stderr.contains("user"), unknownID.stderr)
        let unknownRelation = try CLI.run(["predict", run.path, "--relation", "likes", "--given", "user=u3"])
        XCTAssertEqual(unknownRelation.status, 2)
        XCTAssertTrue(unknownRelation.stderr.contains("unknown relation 'likes'"), unknownRelation.stderr)
        let twoMissing = try CLI.run(["predict", run.path, "--relation", "tagging", "--given", "user=u3"])
        XCTAssertEqual(twoMissing.status, 2)
    }

    /// A full tuple prints its score; several runs print the mean of their scores (an ensemble).
    func testPredictScoresAFullTupleAndAveragesRuns() throws {
        let run = try trainedRun()
        let other = try CLI.temporaryFolder(self).appendingPathComponent("seed1")
        let trained = try CLI.run(CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: other) + ["--seed", "1"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        func tupleScore(_ runs: [URL]) throws -> [String: Any] {
            let result = try CLI.run(["predict"] + runs.map(\.path) + ["--relation", "rating", "--given", "user=u3,item=i2", "--json"])
            XCTAssertEqual(result.status, 0, result.stderr)
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }
        let one = try tupleScore([run]), two = try tupleScore([other]), both = try tupleScore([run, other])
        let a = try XCTUnwrap(one["score"] as? Double), b = try XCTUnwrap(two["score"] as? Double)
        XCTAssertNotEqual(a, b, accuracy: 1e-6, "two seeds give two models")
        XCTAssertEqual(try XCTUnwrap(both["score"] as? Double), (a + b) / 2, accuracy: 1e-5)
        XCTAssertEqual(both["runs"] as? Int, 2)
        XCTAssertTrue((1...5).contains(try XCTUnwrap(both["prediction"] as? Double)))
        XCTAssertEqual((one["members"] as? [[String: String]])?.map { $0["id"] }, ["u3", "i2"])
        // The tuple's score is the one the ranking prints for that item.
        let ranked = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u3", "--top", "40", "--include-seen", "--json"])
        let top = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(ranked.stdout.utf8)) as? [String: Any])?["top"] as? [[String: Any]])
        let listed = try XCTUnwrap(top.first { $0["id"] as? String == "i2" }?["score"] as? Double)
        XCTAssertEqual(listed, a, accuracy: 1e-6)
        let text = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u3,item=i2"])
        XCTAssertTrue(text.stdout.hasPrefix("score\t"), text.stdout)
    }

    /// Recommendations: ranked by the raw score (distinct, descending), items the user rated in training
    /// left out unless --include-seen, the rating clamped to the training range beside the score.
    func testPredictLeavesOutSeenItemsAndRanksByTheRawScore() throws {
        let run = try trainedRun()
        let rated = try String(contentsOf: CLI.tiny.appendingPathComponent("rating.train.tsv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }.filter { $0[0] == "u3" }.map { $0[1] }
        XCTAssertFalse(rated.isEmpty)
        let result = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u3", "--top", "40", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let top = try XCTUnwrap(printed["top"] as? [[String: Any]])
        let ids = top.compactMap { $0["id"] as? String }, scores = top.compactMap { $0["score"] as? Double }
        XCTAssertEqual(Set(ids).intersection(rated), [], "items rated in training are left out")
        XCTAssertEqual(printed["left_out_seen"] as? Int, Set(rated).count)
        XCTAssertEqual(ids.count + Set(rated).count, 16, "every other item is ranked")
        XCTAssertEqual(scores, scores.sorted(by: >))
        XCTAssertEqual(Set(scores).count, scores.count, "raw scores are distinct")
        for row in top { XCTAssertTrue((1...5).contains(try XCTUnwrap(row["prediction"] as? Double)), "\(row)") }
        let all = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u3", "--top", "40", "--include-seen"])
        XCTAssertEqual(all.status, 0, all.stderr)
        XCTAssertEqual(all.stdout.split(separator: "\n").first, "rank\titem\tscore\tprediction")
        XCTAssertEqual(all.stdout.split(separator: "\n").count, 1 + 16)
    }

    /// The model archive stands on its own: with the data copied away and then deleted after training,
    /// `predict`, `export`, `ensemble` and `evaluate` still work and print what they printed before; with
    /// only the test files back, `evaluate --manifest` reads those alone.
    func testTheTrainedModelNeedsNoTrainingData() throws {
        let folder = try CLI.temporaryFolder(self)
        let data = folder.appendingPathComponent("data")
        try FileManager.default.copyItem(at: CLI.tiny, to: data)
        let run = folder.appendingPathComponent("run")
        XCTAssertEqual(try CLI.run(CLI.trainArguments(data.appendingPathComponent("manifest.yaml"), out: run)).status, 0)
        let predictArguments = ["predict", run.path, "--relation", "tagging", "--given", "user=u3,item=i2", "--top", "3"]
        let predictedBefore = try CLI.run(predictArguments)
        let evaluatedBefore = try CLI.run(["evaluate", run.path])
        XCTAssertEqual(evaluatedBefore.status, 0, evaluatedBefore.stderr)
        for name in ["users.tsv", "rating.train.tsv", "tag.train.tsv"] {
            try FileManager.default.removeItem(at: data.appendingPathComponent(name))
        }
        let predicted = try CLI.run(predictArguments)
        XCTAssertEqual(predicted.status, 0, predicted.stderr)
        XCTAssertEqual(predicted.stdout, predictedBefore.stdout)
        XCTAssertEqual(predicted.stdout.split(separator: "\n").count, 4, predicted.stdout)
        let exported = try CLI.run(["export", run.path, "--format", "tsv", "--to", folder.appendingPathComponent("export").path])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let evaluated = try CLI.run(["evaluate", run.path])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertEqual(evaluated.stdout, evaluatedBefore.stdout)
        let metrics = try CLI.json(run.appendingPathComponent("metrics.json"))
        let printed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])
        let trained = try XCTUnwrap((metrics["relations"] as? [String: [String: [String: Double]]])?["rating"]?["test"]?["rmse"])
        let reported = try XCTUnwrap((printed["relations"] as? [String: [String: [String: Double]]])?["rating"]?["test"]?["rmse"])
        XCTAssertEqual(reported, trained, accuracy: 1e-9)
        // Only the test files exist now: evaluate on the manifest reads them and nothing else.
        let fromTestFiles = try CLI.run(["evaluate", run.path, "--manifest", data.appendingPathComponent("manifest.yaml").path])
        XCTAssertEqual(fromTestFiles.status, 0, fromTestFiles.stderr)
        XCTAssertEqual(fromTestFiles.stdout, evaluatedBefore.stdout)
        let other = folder.appendingPathComponent("other")
        try FileManager.default.copyItem(at: run, to: other)
        let ensemble = try CLI.run(["ensemble", run.path, other.path])
        XCTAssertEqual(ensemble.status, 0, ensemble.stderr)
        // A test file naming an item the model never saw is an error with its file, line and field.
        try "u3\tnobody\t4\n".write(to: data.appendingPathComponent("rating.test.tsv"), atomically: true, encoding: .utf8)
        let unknown = try CLI.run(["evaluate", run.path, "--manifest", data.appendingPathComponent("manifest.yaml").path])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("rating.test.tsv:1") && unknown.stderr.contains("item")
                      && unknown.stderr.contains("not an item of the trained model"), unknown.stderr)
    }

    func testInfoDescribesTheDataset() throws {
        let result = try CLI.run(["info", CLI.tiny.appendingPathComponent("manifest.yaml").path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let modalities = try XCTUnwrap(info["modalities"] as? [[String: Any]])
        XCTAssertEqual(modalities.map { $0["count"] as? Int }, [24, 16, 8])
        let graph = try XCTUnwrap(modalities[1]["graph"] as? [String: Any])
        XCTAssertGreaterThanOrEqual(graph["degree_min"] as? Int ?? -1, 1)
        let relations = try XCTUnwrap(info["relations"] as? [[String: Any]])
        XCTAssertEqual(relations.map { $0["train"] as? Int }, [150, 170])
        XCTAssertEqual(relations.map { $0["test"] as? Int }, [30, 30])
        let text = try CLI.run(["info", CLI.tiny.appendingPathComponent("manifest.yaml").path])
        XCTAssertTrue(text.stdout.contains("degree min"), text.stdout)
    }

    func testInfoWarnsAboutColdStartItems() throws {
        let copy = try CLI.tinyCopy(self)
        try "u999\ti999\tt0\n".write(to: copy.appendingPathComponent("tag.test.tsv"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["info", copy.appendingPathComponent("manifest.yaml").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("only in test"), result.stdout)
    }

    /// A cold-start item's wording says where its embedding really comes from, per modality, and `info`
    /// shows feature widths.
    func testInfoColdStartWordingAndFeatureDimensions() throws {
        let copy = try CLI.tinyCopy(self)
        try "u999\ti999\tt999\n".write(to: copy.appendingPathComponent("tag.test.tsv"), atomically: true, encoding: .utf8)
        let result = try CLI.run(["info", copy.appendingPathComponent("manifest.yaml").path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let warnings = try XCTUnwrap(info["warnings"] as? [String])
        XCTAssertTrue(warnings.contains { $0.hasPrefix("user:") && $0.contains("from its features and its graph neighbours alone") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("tag:") && $0.contains("no features, graph or hypergraph") }, "\(warnings)")
        let modalities = try XCTUnwrap(info["modalities"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(modalities[0]["feature_dimensions"] as? Int ?? 0, 2)
        XCTAssertNil(modalities[2]["feature_dimensions"])
        let text = try CLI.run(["info", copy.appendingPathComponent("manifest.yaml").path])
        XCTAssertTrue(text.stdout.contains("user: 25 items; features 3;"), text.stdout)
    }

    /// A relation without test hyperedges is a warning in `info`, in `train` and in `evaluate`.
    func testRelationWithoutATestSplitIsAWarningEverywhere() throws {
        let copy = try CLI.tinyCopy(self)
        let manifest = copy.appendingPathComponent("manifest.yaml")
        let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: "    test: {file: tag.test.tsv}\n", with: "")
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let expected = "relation 'tagging' has no test split"
        let info = try CLI.run(["info", manifest.path])
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertTrue(info.stdout.contains(expected), info.stdout)
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        let train = try CLI.run(CLI.trainArguments(manifest, out: out).filter { $0 != "--quiet" })
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("warning: " + expected), train.stderr)
        let evaluate = try CLI.run(["evaluate", out.path])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        XCTAssertTrue(evaluate.stderr.contains(expected), evaluate.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["warnings"] as? [String])?.count, 1)
        XCTAssertNil((object["relations"] as? [String: Any])?["tagging"])
    }

    func testGenerateWritesATrainableDataset() throws {
        let folder = try CLI.temporaryFolder(self).appendingPathComponent("synthetic")
        let result = try CLI.run(["generate", "--modalities", "3", "--items", "40", "--hyperedges", "500", "--order", "3",
                                  "--seed", "1", "--out", folder.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let train = try NPZArchive(url: folder.appendingPathComponent("train_data.npz"))
        XCTAssertEqual(try train.array(named: "train_data").shape, [400, 3])
        XCTAssertEqual(try train.array(named: "train_data").dtype, .int64)
        XCTAssertEqual(try train.array(named: "nums_type").int64Values(), [40, 40, 40])
        XCTAssertEqual(try NPZArchive(url: folder.appendingPathComponent("test_data.npz")).array(named: "test_data").shape, [100, 3])
        let graphs = try NPZArchive(url: folder.appendingPathComponent("graphs.npz"))
        let graph0 = try graphs.array(named: "graph_0")
        XCTAssertEqual(graph0.shape.last, 2)
        // The edge list and the array agree, and item i of the arrays is ID "i" of the graph file.
        let edges = try String(contentsOf: folder.appendingPathComponent("graph_0.tsv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(edges.count, graph0.shape[0])
        let loaded = try Manifest.load(from: folder.appendingPathComponent("manifest.yaml")).loadDataset()
        XCTAssertEqual(loaded.dataset.modalities.map(\.count), [40, 40, 40])
        XCTAssertEqual(loaded.dataset.modalities[0].ids, (0..<40).map(String.init))
        XCTAssertEqual(loaded.diagnostics["m0"]?.onlyInStructure, 0)
        let trained = try CLI.run(["train", folder.appendingPathComponent("manifest.yaml").path, "--out", folder.appendingPathComponent("run").path,
                                   "--epochs", "2", "--dim", "4", "--quiet"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
    }

    func testJSONProgressPrintsOneObjectPerEpoch() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        var arguments = CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out)
        arguments.removeLast()
        let result = try CLI.run(arguments + ["--json", "--epochs", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        for (i, line) in lines.prefix(3).enumerated() {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(object["epoch"] as? Int, i + 1)
            XCTAssertNotNil(object["loss"])
        }
        let final = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[3].utf8)) as? [String: Any])
        XCTAssertEqual(final["epochs"] as? Int, 3)
    }

    func testPlainProgressLinesWhenNotATerminal() throws {
        let out = try CLI.temporaryFolder(self).appendingPathComponent("run")
        var arguments = CLI.trainArguments(CLI.tiny.appendingPathComponent("manifest.yaml"), out: out)
        arguments.removeLast()
        let result = try CLI.run(arguments + ["--epochs", "2", "--device", "auto"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("epoch 1/2") && result.stdout.contains("epoch 2/2"), result.stdout)
        XCTAssertFalse(result.stdout.contains("\r"))
        // Each relation's validation metric is named in the line.
        XCTAssertTrue(result.stdout.contains("val rating rmse ") && result.stdout.contains(" · tagging auc "), result.stdout)
        // Quiet by default: an unsharded run that lands on the CPU says nothing about devices or exchange.
        if !result.stderr.contains("device: cuda") {
            XCTAssertFalse(result.stderr.contains("device:") || result.stderr.contains("exchange per step"), result.stderr)
        }
        // --verbose: auto says where it trains and why (the CPU here; a CUDA machine names its GPU).
        let verbose = try CLI.run(arguments + ["--epochs", "1", "--device", "auto", "--verbose", "--force"])
        XCTAssertEqual(verbose.status, 0, verbose.stderr)
        XCTAssertTrue(verbose.stderr.contains("device: cpu (auto: no usable CUDA device: ") || verbose.stderr.contains("device: cuda:0"),
                      verbose.stderr)
        XCTAssertTrue(verbose.stderr.contains("exchange per step"), verbose.stderr)
    }

    func testVersion() throws {
        let result = try CLI.run(["--version"])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), HyperLearnCLIVersion.expected)
    }
}

/// The release `--version` prints (kept in step with `HyperLearnCommand.version`).
enum HyperLearnCLIVersion {
    static let expected = "0.6.0"
}
