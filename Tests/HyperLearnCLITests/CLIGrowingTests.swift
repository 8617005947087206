import Foundation
import XCTest

/// `extend`, `embed`, `train --resume --epochs` and `train --init-from`, end to end on the tiny fixture.
final class CLIGrowingTests: XCTestCase {
    /// The tiny fixture without the tag modality and the tagging relation (what `extend` grows).
    func baseManifest(in folder: URL) throws -> URL {
        let text = try String(contentsOf: CLI.tiny.appendingPathComponent("manifest.yaml"), encoding: .utf8)
        let kept = text.components(separatedBy: "  tagging:")[0].replacingOccurrences(of: "  tag: {}\n", with: "")
        let tiny = folder.appendingPathComponent("tiny")
        try FileManager.default.copyItem(at: CLI.tiny, to: tiny)
        let url = tiny.appendingPathComponent("base.yaml")
        try kept.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// A fresh folder with the tiny fixture trained into FOLDER/run.
    func trainedTiny() throws -> (folder: URL, manifest: URL, run: URL) {
        let folder = try CLI.temporaryFolder(self)
        let manifest = CLI.tiny.appendingPathComponent("manifest.yaml"), run = folder.appendingPathComponent("run")
        try train(manifest, out: run)
        return (folder, manifest, run)
    }

    func train(_ manifest: URL, out: URL, _ extra: [String] = []) throws {
        let result = try CLI.run(CLI.trainArguments(manifest, out: out) + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testFrozenExtensionKeepsTheOldRelationsMetricsAndTrainsOnlyTheNewModality() throws {
        let folder = try CLI.temporaryFolder(self)
        let base = try baseManifest(in: folder), run = folder.appendingPathComponent("base"), grown = folder.appendingPathComponent("grown")
        try train(base, out: run)
        let full = base.deletingLastPathComponent().appendingPathComponent("manifest.yaml")
        let result = try CLI.run(["extend", run.path, "--manifest", full.path, "--out", grown.path, "--freeze", "--epochs", "4", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let before = try CLI.json(run.appendingPathComponent("metrics.json")), after = try CLI.json(grown.appendingPathComponent("metrics.json"))
        let beforeRating = try XCTUnwrap((before["relations"] as? [String: Any])?["rating"] as? [String: Any])
        let afterRelations = try XCTUnwrap(after["relations"] as? [String: Any])
        XCTAssertEqual(NSDictionary(dictionary: try XCTUnwrap(beforeRating["test"] as? [String: Any])),
                       NSDictionary(dictionary: try XCTUnwrap((afterRelations["rating"] as? [String: Any])?["test"] as? [String: Any])))
        let tagging = try XCTUnwrap((afterRelations["tagging"] as? [String: Any])?["test"] as? [String: Double])
        XCTAssertTrue((0...1).contains(try XCTUnwrap(tagging["auc"])))
        XCTAssertEqual(after["epochs"] as? Int, 4)
        XCTAssertEqual(after["frozen_modalities"] as? [String], ["user", "item"])
        let passes = try XCTUnwrap(after["encoder_passes"] as? [String: Int])
        XCTAssertEqual(passes["user"], 0)
        XCTAssertEqual(passes["item"], 0)
        XCTAssertGreaterThan(try XCTUnwrap(passes["tag"]), 0)
        for modality in ["user", "item"] {
            XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("embeddings/\(modality).npy")),
                           try Data(contentsOf: grown.appendingPathComponent("embeddings/\(modality).npy")), "\(modality) embeddings changed")
        }
        // Fine-tuned: every part trains from the warm start.
        let tuned = folder.appendingPathComponent("tuned")
        let unfrozen = try CLI.run(["extend", run.path, "--manifest", full.path, "--out", tuned.path, "--epochs", "2", "--quiet"])
        XCTAssertEqual(unfrozen.status, 0, unfrozen.stderr)
        let tunedPasses = try XCTUnwrap(try CLI.json(tuned.appendingPathComponent("metrics.json"))["encoder_passes"] as? [String: Int])
        XCTAssertGreaterThan(try XCTUnwrap(tunedPasses["user"]), 0)
    }

    func testExtendRefusesAManifestWithoutTheModelsPartsAndWritesNothing() throws {
        let folder = try CLI.temporaryFolder(self)
        let base = try baseManifest(in: folder), run = folder.appendingPathComponent("base")
        try train(base, out: run)
        // The item modality renamed: the model's 'item' is missing.
        let renamed = base.deletingLastPathComponent().appendingPathComponent("renamed.yaml")
        try String(contentsOf: base, encoding: .utf8).replacingOccurrences(of: "  item:", with: "  thing:")
            .replacingOccurrences(of: "[user, item]", with: "[user, thing]").write(to: renamed, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let result = try CLI.run(["extend", run.path, "--manifest", renamed.path, "--out", out.path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("modality 'item' of the model is missing"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "a refused extension leaves no folder")
        let same = try CLI.run(["extend", run.path, "--manifest", base.path, "--out", run.path])
        XCTAssertNotEqual(same.status, 0)
        XCTAssertTrue(same.stderr.contains("--out must be another folder than RUN"), same.stderr)
    }

    func testResumeWithMoreEpochsContinuesAFinishedRunAndInitFromStartsFromItsWeights() throws {
        let (folder, manifest, run) = try trainedTiny()
        let tooFew = try CLI.run(["train", "--resume", "--out", run.path, "--epochs", "6", "--quiet"])
        XCTAssertEqual(tooFew.status, 2)
        XCTAssertTrue(tooFew.stderr.contains("has trained 6 epoch(s); --epochs 6 must be more"), tooFew.stderr)
        let more = try CLI.run(["train", "--resume", "--out", run.path, "--epochs", "9", "--quiet"])
        XCTAssertEqual(more.status, 0, more.stderr)
        XCTAssertEqual(try CLI.json(run.appendingPathComponent("metrics.json"))["epochs"] as? Int, 9)
        let history = try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("history.json"))) as? [Any]
        XCTAssertEqual(history?.count, 9)

        // No epoch from RUN's weights: the same model, the same test metrics.
        let warm = folder.appendingPathComponent("warm")
        try train(manifest, out: warm, ["--init-from", run.path, "--epochs", "0"])
        let original = try CLI.json(run.appendingPathComponent("metrics.json"))["relations"] as? [String: Any]
        let copied = try CLI.json(warm.appendingPathComponent("metrics.json"))["relations"] as? [String: Any]
        for relation in ["rating", "tagging"] {
            XCTAssertEqual(NSDictionary(dictionary: try XCTUnwrap((original?[relation] as? [String: Any])?["test"] as? [String: Any])),
                           NSDictionary(dictionary: try XCTUnwrap((copied?[relation] as? [String: Any])?["test"] as? [String: Any])), relation)
        }
        // Another structure: refused, pointing to extend.
        let base = try baseManifest(in: folder)
        let refused = try CLI.run(CLI.trainArguments(base, out: folder.appendingPathComponent("x")) + ["--init-from", run.path])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("modality 'tag' of the model is missing"), refused.stderr)
    }

    func testEmbedGivesNewItemsEmbeddingsThatPredictAndEvaluateUse() throws {
        let (folder, _, run) = try trainedTiny()
        let items = folder.appendingPathComponent("new-users.tsv")
        try "n1\t23\ta\nn2\t40\tb\n".write(to: items, atomically: true, encoding: .utf8)
        let to = folder.appendingPathComponent("embedded")
        let result = try CLI.run(["embed", run.path, "--modality", "user", "--items", items.path, "--to", to.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("embedded 2 new item(s) of 'user' (2 with links to trained items)"), result.stdout)
        XCTAssertEqual(try String(contentsOf: to.appendingPathComponent("user.ids.txt"), encoding: .utf8), "n1\nn2\n")
        let npy = try Data(contentsOf: to.appendingPathComponent("user.npy"))
        XCTAssertEqual(npy.count, 128 + 2 * 8 * 4, "a 2 × 8 float32 array")
        let predict = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=n1", "--top", "3", "--items", to.path, "--json"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let ranked = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((ranked["top"] as? [Any])?.count, 3)
        // Without --items the new user is unknown.
        let unknown = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=n1"])
        XCTAssertNotEqual(unknown.status, 0)

        // Edges from a file instead of the kNN; bad edges name the file, line and field.
        let edges = folder.appendingPathComponent("edges.tsv")
        try "n1\tu0\t2\nn2\tu1\n".write(to: edges, atomically: true, encoding: .utf8)
        let fromEdges = try CLI.run(["embed", run.path, "--modality", "user", "--items", items.path, "--graph", edges.path, "--to", folder.appendingPathComponent("e2").path])
        XCTAssertEqual(fromEdges.status, 0, fromEdges.stderr)
        try "n1\tu0\nn1\tnobody\n".write(to: edges, atomically: true, encoding: .utf8)
        let bad = try CLI.run(["embed", run.path, "--modality", "user", "--items", items.path, "--graph", edges.path, "--to", folder.appendingPathComponent("e3").path])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("edges.tsv:2") && bad.stderr.contains("trained item"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("e3").path))
        // A trained item is not new.
        try "n1\t23\ta\nu3\t40\tb\n".write(to: items, atomically: true, encoding: .utf8)
        let trained = try CLI.run(["embed", run.path, "--modality", "user", "--items", items.path, "--to", folder.appendingPathComponent("e4").path])
        XCTAssertEqual(trained.status, 2)
        XCTAssertTrue(trained.stderr.contains("new-users.tsv:2") && trained.stderr.contains("was in training"), trained.stderr)
    }
}
