@testable import HyperLearn
import Foundation
import XCTest

/// Categorical features kept as text per item (``ItemCategory``): read from the manifest's
/// `categorical` and `multilabel` columns, kept in the model archive, written as projector columns and
/// used to colour the embedding map.
final class ItemCategoriesIOTests: XCTestCase {
    func dataset(_ folder: TemporaryFolder) throws -> Dataset {
        try folder.write("ratings.tsv", "u1\tm1\t4\nu1\tm2\t3\nu2\tm3\t5\nu3\tm1\t2\nu3\tm4\t1\n")
        try folder.write("users.csv", "id,age,job\nu1,20,student\nu2,30,<b>doctor</b>\nu3,40,student\n")
        try folder.write("movies.tsv", "m1\tComedy|Drama\nm2\tDrama\nm3\t\nm4\tHorror|Comedy\n")
        let url = try folder.write("m.yaml", """
        name: categories
        modalities:
          user:
            features: {file: users.csv, header: true, id: id, numeric: [age], categorical: [2]}
          movie:
            features: {file: movies.tsv, id: 0, multilabel: [1]}
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: {file: ratings.tsv, columns: [0, 1], value: 2}
        """)
        return try Manifest.load(from: url).loadDataset().dataset
    }

    func testCategoriesAreReadPerItemAndNamedByHeaderOrColumn() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder)
        XCTAssertEqual(data.modalities[0].categories, [ItemCategory(name: "job", values: ["student", "<b>doctor</b>", "student"])])
        let genres = try XCTUnwrap(data.modalities[1].categories.first)
        XCTAssertEqual(genres.name, "column 1")
        XCTAssertEqual(genres.values, ["Comedy|Drama", "Drama", "", "Horror|Comedy"])
        XCTAssertEqual((0..<4).map(genres.key), ["Comedy", "Drama", "", "Horror"])
        XCTAssertEqual(try genres.commonest(2).map(\.key), ["Comedy", "Drama"], "ties keep the order of first appearance")
        XCTAssertEqual(try data.modalities[0].categories[0].commonest(5).map(\.count), [2, 1])
    }

    func testTheArchiveKeepsThemAndTheProjectorAndTheMapShowThem() throws {
        let folder = try TemporaryFolder()
        let data = try dataset(folder)
        let trainer = try Trainer(dataset: data, configuration: .small(width: 4, epochs: 1, batchSize: 0))
        try trainer.fit()
        let archive = folder.url.appendingPathComponent("model")
        try TrainedModel(trainer).write(to: archive)
        let read = try TrainedModel.read(from: archive)
        XCTAssertEqual(read.dataset.modalities.map(\.categories), data.modalities.map(\.categories))

        let users = read.dataset.modalities[0]
        XCTAssertEqual(EmbeddingExport.projectorMetadata(ids: users.ids, categories: users.categories),
                       "id\tlabel\tjob\nu1\tu1\tstudent\nu2\tu2\t<b>doctor</b>\nu3\tu3\tstudent\n")

        let map = try EmbeddingMap(read.embeddings[0])
        let colouring = try XCTUnwrap(EmbeddingMap.colouring(users.categories))
        let svg = try map.svg(labels: users.ids, title: "users", colouredBy: colouring)
        XCTAssertTrue(svg.contains("users, coloured by job"), svg)
        XCTAssertTrue(svg.contains(">student (2)</text>") && svg.contains(">&lt;b&gt;doctor&lt;/b&gt; (1)</text>"), svg)
        XCTAssertFalse(svg.contains("<b>"), "category names are escaped")
        // Two students in the first colour, the doctor in the second.
        XCTAssertEqual(svg.components(separatedBy: "fill=\"\(EmbeddingMap.palette[0])\" fill-opacity").count - 1, 2)
        XCTAssertEqual(svg.components(separatedBy: "fill=\"\(EmbeddingMap.palette[1])\" fill-opacity").count - 1, 1)
        // A column with one value colours nothing.
        XCTAssertNil(EmbeddingMap.colouring([ItemCategory(name: "one", values: ["a", "a", "a"])]))
    }
}
