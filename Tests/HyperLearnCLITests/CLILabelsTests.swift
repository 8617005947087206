import Foundation
import XCTest

/// Item labels from the manifest, shown wherever items are: predict, neighbors, evaluate --predictions, export.
final class CLILabelsTests: XCTestCase {
    /// The tiny fixture with item labels ("Item 0" …, one with quotes), trained into FOLDER/run.
    func labelledRun() throws -> (folder: URL, run: URL) {
        let folder = try CLI.temporaryFolder(self), tiny = try CLI.tinyCopy(self)
        let labels = (0..<16).map { "i\($0)\t\($0 == 3 ? "The \"Third\" one" : "Item \($0)")\n" }.joined()
        try labels.write(to: tiny.appendingPathComponent("items.tsv"), atomically: true, encoding: .utf8)
        try String.edit(tiny.appendingPathComponent("manifest.yaml"), replacing: "  item:\n", with: "  item:\n    labels: {file: items.tsv}\n")
        let run = folder.appendingPathComponent("run")
        let result = try CLI.run(CLI.trainArguments(tiny.appendingPathComponent("manifest.yaml"), out: run))
        XCTAssertEqual(result.status, 0, result.stderr)
        return (folder, run)
    }

    func testPredictNeighborsPredictionsAndProjectorShowTheLabels() throws {
        let (folder, run) = try labelledRun()
        let predict = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u1", "--top", "3"])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let lines = predict.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "rank\titem\tlabel\tscore\tprediction")
        for line in lines.dropFirst() {
            let fields = line.split(separator: "\t")
            XCTAssertEqual(fields.count, 5, String(line))
            XCTAssertEqual(fields[2], fields[1] == "i3" ? "The \"Third\" one" : "Item \(fields[1].dropFirst())", String(line))
        }
        let json = try CLI.run(["predict", run.path, "--relation", "rating", "--given", "user=u1", "--top", "2", "--json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let top = try XCTUnwrap(object["top"] as? [[String: Any]])
        XCTAssertTrue((top[0]["label"] as? String)?.hasPrefix("Item ") == true || top[0]["label"] as? String == "The \"Third\" one")

        let neighbors = try CLI.run(["neighbors", run.path, "--modality", "item", "--id", "i3", "--top", "2"])
        XCTAssertEqual(neighbors.status, 0, neighbors.stderr)
        XCTAssertTrue(neighbors.stdout.hasPrefix("rank\titem\tlabel\tcosine\n"), neighbors.stdout)

        let predictions = folder.appendingPathComponent("predictions")
        XCTAssertEqual(try CLI.run(["evaluate", run.path, "--predictions", predictions.path]).status, 0)
        let table = try String(contentsOf: predictions.appendingPathComponent("rating.tsv"), encoding: .utf8)
        XCTAssertTrue(table.hasPrefix("user\titem\titem_label\ttarget\tprediction\n"), table)

        XCTAssertEqual(try CLI.run(["export", run.path, "--format", "projector"]).status, 0)
        let metadata = try String(contentsOf: run.appendingPathComponent("export/projector/item.metadata.tsv"), encoding: .utf8)
        XCTAssertTrue(metadata.hasPrefix("id\tlabel\n"), metadata)
        XCTAssertTrue(metadata.contains("i3\tThe \"Third\" one\n"), metadata)
        let users = try String(contentsOf: run.appendingPathComponent("export/projector/user.metadata.tsv"), encoding: .utf8)
        XCTAssertTrue(users.hasPrefix("id\tlabel\tcolumn 2\nu0\tu0\ta\nu1\tu1\tb\n"), "a column per categorical feature: \(users)")
        let tags = try String(contentsOf: run.appendingPathComponent("export/projector/tag.metadata.tsv"), encoding: .utf8)
        XCTAssertFalse(tags.hasPrefix("id\t"), "a modality without labels or categories keeps the one-column layout")
    }
}
