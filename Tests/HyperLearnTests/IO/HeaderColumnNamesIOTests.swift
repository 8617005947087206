@testable import HyperLearn
import Foundation
import XCTest

/// With `header: true`, columns can be named by their header names.
final class HeaderColumnNamesIOTests: XCTestCase {
    func write(_ folder: TemporaryFolder, rating: String, features: String, labels: String) throws -> URL {
        // Columns in an order that positions would get wrong.
        try folder.write("ratings.csv", "timestamp,rating,movieId,userId\n9,4.5,m1,u1\n9,3,m2,u1\n9,5,m1,u2\n")
        try folder.write("movies.csv", "title,genres,year,movieId\nToy Story,Comedy|Animation,1995,m1\nHeat,Crime,1995,m2\n")
        return try folder.write("m.yaml", """
        name: named
        modalities:
          user: {}
          movie:
            features: \(features)
            labels: \(labels)
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: \(rating)
        """)
    }

    func testNamedColumnsReadTheSameAsTheirIndices() throws {
        let folder = try TemporaryFolder()
        let named = try write(folder, rating: #"{file: ratings.csv, header: true, columns: [userId, movieId], value: rating}"#,
                              features: #"{file: movies.csv, header: true, id: movieId, numeric: [year], multilabel: [genres]}"#,
                              labels: #"{file: movies.csv, header: true, id: movieId, column: title}"#)
        let byName = try Manifest.load(from: named).loadDataset().dataset
        let indexed = try write(folder, rating: #"{file: ratings.csv, header: true, columns: [3, 2], value: 1}"#,
                                features: #"{file: movies.csv, header: true, id: 3, numeric: [2], multilabel: [1]}"#,
                                labels: #"{file: movies.csv, header: true, id: 3, column: 0}"#)
        let byIndex = try Manifest.load(from: indexed).loadDataset().dataset
        XCTAssertEqual(byName.modalities.map(\.ids), [["u1", "u2"], ["m1", "m2"]])
        XCTAssertEqual(byName.modalities, byIndex.modalities)
        XCTAssertEqual(byName.relations[0].train, byIndex.relations[0].train)
        XCTAssertEqual(byName.relations[0].train.values, [4.5, 3, 5])
        XCTAssertEqual(byName.modalities[1].labels, ["Toy Story", "Heat"])
        XCTAssertEqual(byName.modalities[1].features?.columns, 4, "year, then Comedy, Animation, Crime")
    }

    func testAnUnknownNameOrANameWithoutAHeaderIsAnError() throws {
        let folder = try TemporaryFolder()
        let unknown = try write(folder, rating: #"{file: ratings.csv, header: true, columns: [userId, film], value: rating}"#,
                                features: #"{file: movies.csv, header: true, id: movieId}"#, labels: #"{file: movies.csv, header: true, id: movieId, column: title}"#)
        assertInvalidInput(try Manifest.load(from: unknown).loadDataset(), file: "ratings.csv", line: 1, field: "columns.1",
                           reasonContains: "no column named 'film' in the header ('timestamp', 'rating', 'movieId', 'userId')")
        let badLabel = try write(folder, rating: #"{file: ratings.csv, header: true, columns: [3, 2], value: 1}"#,
                                 features: #"{file: movies.csv, header: true, id: movieId}"#, labels: #"{file: movies.csv, header: true, id: movieId, column: name}"#)
        assertInvalidInput(try Manifest.load(from: badLabel).loadDataset(), file: "movies.csv", line: 1, field: "column",
                           reasonContains: "no column named 'name'")
        let noHeader = try write(folder, rating: #"{file: ratings.csv, columns: [userId, movieId], value: 1}"#,
                                 features: #"{file: movies.csv, header: true, id: movieId}"#, labels: #"{file: movies.csv, header: true, id: 3, column: 0}"#)
        XCTAssertThrowsError(try Manifest.load(from: noHeader)) { error in
            XCTAssertTrue("\(error)".contains("named by its header only with 'header: true'"), "\(error)")
            XCTAssertTrue("\(error)".contains("relations.rating.train.columns[0]"), "\(error)")
        }
    }

    func testGraphEdgeListColumnsByName() throws {
        let folder = try TemporaryFolder()
        try folder.write("ratings.tsv", "u1\tm1\t4\nu2\tm2\t3\n")
        try folder.write("friends.csv", "since,weight,to,from\n2001,0.5,u2,u1\n2003,2,u3,u2\n")
        func manifest(_ graph: String) throws -> URL {
            try folder.write("g.yaml", """
            name: graphnames
            modalities:
              user: {graph: \(graph)}
              movie: {}
            relations:
              rating: {members: [user, movie], task: regression, train: {file: ratings.tsv, value: 2}}
            """)
        }
        let named = try Manifest.load(from: manifest("{file: friends.csv, header: true, columns: [from, to], weight: weight}")).loadDataset().dataset
        let indexed = try Manifest.load(from: manifest("{file: friends.csv, header: true, columns: [3, 2], weight: 1}")).loadDataset().dataset
        XCTAssertEqual(named.modalities[0].ids, ["u1", "u2", "u3"])
        XCTAssertEqual(named.modalities, indexed.modalities)
        guard case let .adjacency(adjacency)? = named.modalities[0].graph else { return XCTFail("an edge-list graph") }
        XCTAssertEqual(adjacency.dense[0, 1], 0.5)
        XCTAssertEqual(adjacency.dense[2, 1], 2)
        assertInvalidInput(try Manifest.load(from: manifest("{file: friends.csv, header: true, columns: [from, dest]}")).loadDataset(),
                           file: "friends.csv", line: 1, field: "columns.1", reasonContains: "no column named 'dest'")
    }
}
