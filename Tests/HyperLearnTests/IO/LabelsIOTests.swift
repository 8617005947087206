@testable import HyperLearn
import Foundation
import XCTest

/// A modality's `labels` (titles) read from one column of a text file, kept with the model.
final class LabelsIOTests: XCTestCase {
    func manifest(_ folder: TemporaryFolder, labels: String) throws -> URL {
        try folder.write("ratings.tsv", "u1\tm1\t4\nu1\tm2\t3\nu2\tm3\t5\n")
        return try folder.write("m.yaml", """
        name: labelled
        modalities:
          user: {}
          movie:
            labels: \(labels)
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: {file: ratings.tsv, columns: [0, 1], value: 2}
        """)
    }

    func testLabelsFollowTheItemsAndAnItemWithoutOneShowsItsID() throws {
        let folder = try TemporaryFolder()
        // A header, a title with the delimiter quoted, an ID no relation uses (skipped), m3 without a row.
        try folder.write("movies.csv", "movieId,title\nm2,\"Heat, The\"\nm9,Unused\nm1,Toy Story\n")
        let url = try manifest(folder, labels: #"{file: movies.csv, delimiter: ",", header: true, id: 0, column: 1}"#)
        let data = try Manifest.load(from: url).loadDataset().dataset
        let movie = try XCTUnwrap(data.modalities.first { $0.name == "movie" })
        XCTAssertEqual(movie.ids, ["m1", "m2", "m3"])
        XCTAssertEqual(movie.labels, ["Toy Story", "Heat, The", ""])
        XCTAssertEqual((0..<3).map(movie.label), ["Toy Story", "Heat, The", "m3"])
        XCTAssertNil(data.modalities[0].labels)
    }

    func testBadLabelFilesNameTheFileLineAndField() throws {
        let folder = try TemporaryFolder()
        try folder.write("dup.tsv", "m1\tA\nm2\tB\nm1\tC\n")
        let duplicate = try manifest(folder, labels: "{file: dup.tsv}")
        assertInvalidInput(try Manifest.load(from: duplicate).loadDataset(), file: "dup.tsv", line: 3, field: "column 0 (id)", reasonContains: "first on line 1")
        try folder.write("short.tsv", "m1\tA\nm2\n")
        let short = try manifest(folder, labels: "{file: short.tsv}")
        assertInvalidInput(try Manifest.load(from: short).loadDataset(), file: "short.tsv", line: 2, field: "column 1 (label)")
        try folder.write("long.tsv", "m1\t" + String(repeating: "x", count: 5_000) + "\n")
        let long = try manifest(folder, labels: "{file: long.tsv}")
        assertInvalidInput(try Manifest.load(from: long).loadDataset(), file: "long.tsv", line: 1, field: "column 1 (label)", reasonContains: "at most 4096")
        let unknownKey = try manifest(folder, labels: "{file: dup.tsv, title: 1}")
        XCTAssertThrowsError(try Manifest.load(from: unknownKey)) { XCTAssertTrue("\($0)".contains("title"), "\($0)") }
        let missing = try manifest(folder, labels: "{file: nowhere.tsv}")
        XCTAssertThrowsError(try Manifest.load(from: missing).loadDataset()) { XCTAssertTrue("\($0)".contains("nowhere.tsv"), "\($0)") }
    }

    func testTheModelArchiveKeepsTheLabels() throws {
        let folder = try TemporaryFolder()
        try folder.write("movies.tsv", "m1\tToy Story\nm2\tHeat\nm3\tAlien\n")
        let data = try Manifest.load(from: manifest(folder, labels: "{file: movies.tsv}")).loadDataset().dataset
        let trainer = try Trainer(dataset: data, configuration: .small(width: 4, epochs: 1, batchSize: 0))
        try trainer.fit()
        let archive = folder.url.appendingPathComponent("model")
        try TrainedModel(trainer).write(to: archive)
        let read = try TrainedModel.read(from: archive)
        XCTAssertEqual(read.dataset.modalities[1].labels, ["Toy Story", "Heat", "Alien"])
        let table = try XCTUnwrap(try PredictionTable.text(read, relation: 0) ?? PredictionTable.text(read.replacingTests([data.relations[0].train]), relation: 0))
        XCTAssertTrue(table.hasPrefix("user\tmovie\tmovie_label\ttarget\tprediction\n"), table)
        XCTAssertTrue(table.contains("u1\tm2\tHeat\t3.0\t"), table)
        XCTAssertEqual(EmbeddingExport.projectorMetadata(ids: ["m1", "m2"], labels: ["Toy\tStory", ""]), "id\tlabel\nm1\tToy Story\nm2\tm2\n")
    }
}
