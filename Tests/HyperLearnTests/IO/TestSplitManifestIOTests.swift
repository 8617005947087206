@testable import HyperLearn
import Foundation
import XCTest

/// `test: {fraction, seed, by}` in a manifest: a test split drawn from the training file, the same one
/// every time, per user with `by`.
final class TestSplitManifestIOTests: XCTestCase {
    /// 6 users with 1…6 ratings each of 8 movies (21 ratings).
    func write(_ folder: TemporaryFolder, test: String) throws -> URL {
        var lines = ""
        for user in 1...6 { for k in 0..<user { lines += "\(user)\t\((user + k) % 8)\t\((user + k) % 5 + 1)\n" } }
        try folder.write("ratings.tsv", lines)
        return try folder.write("split.yaml", """
        name: split
        modalities:
          user: {}
          movie: {}
        relations:
          rating:
            members: [user, movie]
            task: regression
            train: {file: ratings.tsv, columns: [0, 1], value: 2}
            test: \(test)
        """)
    }

    func testPerUserSplitHoldsOutAShareOfEachUsersRatings() throws {
        let folder = try TemporaryFolder()
        let url = try write(folder, test: "{fraction: 0.34, seed: 7, by: user}")
        let manifest = try Manifest.load(from: url)
        XCTAssertEqual(manifest.relations[0].testSplit, Manifest.TestSplitSpec(fraction: 0.34, seed: 7, byMember: 0, line: 10,
                                                                               field: "relations.rating.test"))
        let relation = try manifest.loadDataset().dataset.relations[0]
        let test = try XCTUnwrap(relation.test)
        XCTAssertEqual(relation.train.count + test.count, 21)
        // Per user with k ratings: round(0.34 k) held out, at most k − 1 (k = 1…6 → 0, 1, 1, 1, 2, 2).
        let users = (0..<test.count).map { test.members[$0 * 2] }
        XCTAssertEqual(Dictionary(grouping: users, by: { $0 }).mapValues(\.count).values.sorted(), [1, 1, 1, 2, 2])
        let trainUsers = Set((0..<relation.train.count).map { relation.train.members[$0 * 2] })
        XCTAssertEqual(trainUsers.count, 6, "every user keeps a training rating")
        // Train and test are disjoint and values travel with their hyperedges.
        let trainPairs = Set((0..<relation.train.count).map { [relation.train.members[$0 * 2], relation.train.members[$0 * 2 + 1]] })
        for e in 0..<test.count { XCTAssertFalse(trainPairs.contains([test.members[e * 2], test.members[e * 2 + 1]])) }
        XCTAssertEqual(test.values?.count, test.count)
        // The same split again, and the one `evaluate --manifest` reads against a model's items.
        let again = try manifest.loadDataset().dataset.relations[0]
        XCTAssertEqual(again.test, test)
        let ids = try manifest.loadDataset().dataset.modalities.map(\.ids)
        let reread = try ManifestLoader(manifest: manifest, dataRoot: nil).loadTestSplits(ids: ids)
        XCTAssertEqual(reread[0], test)
    }

    func testPlainFractionAndSeedChangeTheSample() throws {
        let folder = try TemporaryFolder()
        let a = try Manifest.load(from: try write(folder, test: "{fraction: 0.25, seed: 1}")).loadDataset().dataset.relations[0]
        XCTAssertEqual(a.test?.count, 5)  // round(0.25 · 21)
        XCTAssertEqual(a.train.count, 16)
        let b = try Manifest.load(from: try write(folder, test: "{fraction: 0.25, seed: 2}")).loadDataset().dataset.relations[0]
        XCTAssertNotEqual(a.test, b.test)
    }

    func testBadSplitsNameTheField() throws {
        let folder = try TemporaryFolder()
        assertInvalidInput(try Manifest.load(from: try write(folder, test: "{fraction: 1.5}")), file: "split.yaml", line: 10,
                           field: "relations.rating.test.fraction", reasonContains: "outside (0, 1)")
        assertInvalidInput(try Manifest.load(from: try write(folder, test: "{fraction: 0.1, by: tag}")), file: "split.yaml", line: 10,
                           field: "relations.rating.test.by", reasonContains: "not a member")
        assertInvalidInput(try Manifest.load(from: try write(folder, test: "{fraction: 0.1, file: x.tsv}")), file: "split.yaml", line: 10,
                           field: "relations.rating.test.file", reasonContains: "unknown key 'file'")
    }
}
