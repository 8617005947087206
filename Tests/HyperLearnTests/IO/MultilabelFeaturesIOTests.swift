@testable import HyperLearn
import Foundation
import XCTest

/// `multilabel` feature columns (`Comedy|Drama`) become one multi-hot block after the one-hot blocks.
final class MultilabelFeaturesIOTests: XCTestCase {
    func testGenresBecomeMultiHot() throws {
        let folder = try TemporaryFolder()
        try folder.write("movies.csv", "movieId,title,genres\r\n1,\"Toy Story, The\",Comedy|Animation\r\n2,Heat,Crime\r\n3,Other,Comedy\r\n")
        try folder.write("ratings.csv", "userId,movieId,rating\n1,1,4\n1,2,3\n2,3,5\n")
        let manifest = try folder.write("m.yaml", """
        name: genres
        modalities:
          user: {}
          movie:
            features: {file: movies.csv, delimiter: ",", header: true, id: 0, multilabel: [2]}
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: {file: ratings.csv, delimiter: ",", header: true, columns: [0, 1], value: 2}
        """)
        let data = try Manifest.load(from: manifest).loadDataset().dataset
        let movies = try XCTUnwrap(data.modalities.first { $0.name == "movie" })
        XCTAssertEqual(movies.ids, ["1", "2", "3"])
        // Labels in order of first appearance: Comedy, Animation, Crime.
        XCTAssertEqual(movies.features, try Matrix([[1, 1, 0], [0, 0, 1], [1, 0, 0]]))
    }
}
