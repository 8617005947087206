@testable import HyperLearn
import XCTest

/// ``TrainingConfiguration/warmValidation``: the validation split holds only hyperedges whose every
/// member keeps a training hyperedge, as the benchmark test splits are built.
final class WarmValidationTests: XCTestCase {
    /// By hand, in the order (0,0), (0,1), (2,2), (1,0), (1,1), (2,0): (0,0) is held; (0,1) would take
    /// item 0's last hyperedge at position 0, and (2,2) item 2's only one at position 1; (1,0) is held;
    /// (1,1) would take item 1's last at position 0, and (2,0) item 0's last at position 1.
    func testHoldOutKeepsEveryMemberInTraining() throws {
        let set = try HyperedgeSet([[0, 0], [0, 1], [1, 0], [2, 2], [1, 1], [2, 0]])
        XCTAssertEqual(Trainer.warmHoldOut(set, order: [0, 1, 3, 2, 4, 5], count: 3, sizes: [3, 3]), [0, 2])
        XCTAssertEqual(Trainer.warmHoldOut(set, order: [5, 0, 1, 2, 3, 4], count: 1, sizes: [3, 3]), [5])
    }

    /// On a dataset with items seen once, the random split holds some of them out of training and the
    /// warm split none; both hold the asked share when enough hyperedges qualify, and split the same set.
    func testTrainerSplitsWithoutColdMembers() throws {
        var g = SeededGenerator(seed: 4)
        var tuples = [[Int]]()
        for e in 0..<400 { tuples.append([e % 50, g.index(below: 300), g.index(below: 10)]) }
        var data = Dataset(name: "cold")
        for (name, count) in [("a", 50), ("b", 300), ("c", 10)] { try data.addModality(Modality(name: name, count: count)) }
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet(tuples)))
        func coldShare(warm: Bool) throws -> (cold: Int, held: Int, total: Int) {
            var config = TrainingConfiguration.small(width: 4, epochs: 0, batchSize: 0)
            config.validationFraction = 0.1
            config.warmValidation = warm
            let trainer = try Trainer(dataset: data, configuration: config)
            let fit = trainer.trainingSets[0], held = trainer.validationSets[0]
            var seen = [Set<Int32>](repeating: [], count: 3)
            for (k, item) in fit.members.enumerated() { seen[k % 3].insert(item) }
            let cold = (0..<held.count).filter { e in (0..<3).contains { !seen[$0].contains(held.members[e * 3 + $0]) } }.count
            return (cold, held.count, fit.count + held.count)
        }
        let random = try coldShare(warm: false), warm = try coldShare(warm: true)
        XCTAssertGreaterThan(random.cold, 0, "a random split leaves some held-out members out of training")
        XCTAssertEqual(warm.cold, 0)
        XCTAssertEqual(warm.held, 40)
        XCTAssertEqual(random.held, 40)
        XCTAssertEqual(warm.total, 400)
    }
}
