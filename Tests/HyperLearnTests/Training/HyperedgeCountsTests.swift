@testable import HyperLearn
import XCTest

final class HyperedgeCountsTests: XCTestCase {
    /// A = (0,0,0) twice, (0,1,0), (0,0,1), (1,0,0) over modalities of 3, 3 and 2 items.
    func counts() throws -> HyperedgeCounts {
        HyperedgeCounts(try HyperedgeSet([[0, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 0]]), sizes: [3, 3, 2])
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
        let table = HyperedgeCounts(try HyperedgeSet([[0, 1], [0, 1], [1, 1]]), sizes: [2, 2])
        XCTAssertEqual(table.features([0, 1, 1, 0]), logs([2, 3, 2, 1, 0, 0]))
    }
}
