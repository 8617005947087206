@testable import HyperLearn
import XCTest

final class HyperedgeCountsTests: XCTestCase {
    /// A = (0,0,0) twice, (0,1,0), (0,0,1), (1,0,0) over modalities of 3, 3 and 2 items.
    func counts() throws -> HyperedgeCounts {
        try HyperedgeCounts(try HyperedgeSet([[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0]]), sizes: [3, 3, 2])
    }

    func logs(_ counts: [Int]) -> [Float] { counts.map { Float(log1p(Double($0))) } }

    func testPartsByOrder() {
        XCTAssertEqual(HyperedgeCounts.parts(order: 2), [[0], [1], [0, 1]])
        XCTAssertEqual(HyperedgeCounts.parts(order: 3), [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]])
        XCTAssertEqual(HyperedgeCounts.featureCount(order: 4), 4 + 6 + 1)
    }

    /// Members, pairs and the whole hyperedge, counted by hand: (0,0,0) is in 4 hyperedges at each
    /// position, each of its pairs in 3, itself twice; of (2,1,1) only member 1 and member 2 occur, once each.
    func testCountsOfEachPart() throws {
        let table = try counts()
        let features = table.features([0, 0, 0, 2, 1, 1])
        XCTAssertEqual(Array(features[0..<7]), logs([4, 4, 4, 3, 3, 3, 2]))
        XCTAssertEqual(Array(features[7..<14]), logs([0, 1, 1, 0, 0, 0, 0]))
    }

    /// A training positive leaves itself out; a negative drawn from it leaves it out of the parts they
    /// share (members 1 and 2 and their pair here), and nothing else.
    func testLeaveOneOut() throws {
        let table = try counts()
        let features = table.features([0, 0, 0, 2, 0, 0], leaveOut: [0, 0])
        XCTAssertEqual(Array(features[0..<7]), logs([3, 3, 3, 2, 2, 2, 1]))
        XCTAssertEqual(Array(features[7..<14]), logs([0, 3, 3, 0, 0, 2, 0]))
        XCTAssertEqual(table.features([2, 0, 0], leaveOut: [-1]), table.features([2, 0, 0]))
    }

    /// Order 2: the pair is the whole edge, counted once.
    func testOrderTwo() throws {
        let table = try HyperedgeCounts(try HyperedgeSet([[0, 1], [0, 1], [1, 1]]), sizes: [2, 2])
        XCTAssertEqual(table.features([0, 1, 1, 0]), logs([2, 3, 2, 1, 0, 0]))
    }

    /// The compact tables against counting by hand, where their storage has edge cases: keys wider than
    /// the directory's bits plus 32 (a triple over modalities of millions of items keeps a high word),
    /// counts of 255 and more (kept aside from the one-byte counts), and parts never counted.
    func testCompactTablesAgainstCountingByHand() throws {
        var generator = SeededGenerator(seed: 18)
        let sizes = [1_000_000, 2_000_000, 3_000_000]
        var rows = (0..<3000).map { _ in sizes.map { Int.random(in: 0..<min($0, 40), using: &generator) } }
        rows += (0..<2000).map { _ in sizes.map { Int.random(in: 0..<$0, using: &generator) } }
        rows += Array(repeating: [70, 80, 90], count: 300) + (0..<256).map { [110, 120, 1000 + $0] }
        let table = try HyperedgeCounts(try HyperedgeSet(rows), sizes: sizes)
        var byPart = [[Int]: Int]()
        for row in rows { for part in table.parts { byPart[part.map { row[$0] } + part, default: 0] += 1 } }
        let queries = Array(rows.prefix(400)) + Array(rows.suffix(300))
            + (0..<300).map { _ in sizes.map { Int.random(in: 0..<$0, using: &generator) } }
            + [[70, 80, 90], [110, 120, 13], [0, 0, 0], [999_999, 1_999_999, 2_999_999]]
        let features = table.features(queries.flatMap { $0.map(Int32.init) })
        for (q, query) in queries.enumerated() {
            let expected = logs(table.parts.map { part in byPart[part.map { query[$0] } + part] ?? 0 })
            XCTAssertEqual(Array(features[(q * 7)..<((q + 1) * 7)]), expected, "query \(query)")
        }
        XCTAssertEqual(table.wholeCount([70, 80, 90]), 300)
        XCTAssertEqual(table.features([110, 120, 13])[3], Float(log1p(256.0)))
        XCTAssertEqual(try HyperedgeCounts(try HyperedgeSet(order: 3, members: []), sizes: sizes).features([1, 2, 3]), logs([0, 0, 0, 0, 0, 0, 0]))
    }
}
