@testable import HyperLearn
import XCTest

/// Hyper-SAGNN's published test protocol: five negatives per positive, 90% corrupt-one, 10% random.
final class MixedNegativesTests: XCTestCase {
    func testMixedNegativesAreNinetyPercentCorruptOneAndNeverKnown() throws {
        var generator = SeededGenerator(seed: 9)
        let sizes = [5_000, 5_000, 5_000]
        let positives = try HyperedgeSet((0..<2_000).map { _ in sizes.map { generator.index(below: $0) } })
        var known = HyperedgeKeys(sizes: sizes)
        known.insert(positives)
        var draw = SeededGenerator(seed: 4)
        let negatives = sampleNegatives(for: positives, perPositive: 5, sizes: sizes, protocol: .mixed, known: known, using: &draw)
        XCTAssertEqual(negatives.count, 10_000)
        var changed = [Int](repeating: 0, count: 4)
        for n in 0..<negatives.count {
            let e = n / 5
            let differing = (0..<3).filter { negatives.members[n * 3 + $0] != positives.members[e * 3 + $0] }.count
            changed[differing] += 1
            XCTAssertFalse(known.contains(negatives.members[(n * 3)..<(n * 3 + 3)]), "negative \(n) is a known positive")
        }
        // One member replaced (it can land on the same item: 1 in 5,000), or all three (random tuples).
        XCTAssertEqual(changed[2], 0)
        let oneShare = Double(changed[1] + changed[0]) / 10_000
        XCTAssertEqual(oneShare, 0.9, accuracy: 0.01, "share replacing one member: \(changed)")
        XCTAssertEqual(Double(changed[3]) / 10_000, 0.1, accuracy: 0.01)
    }

    func testTheMixedAUCIsTheMixtureOfTheAUCsForAScorerThatSeparatesTheKinds() throws {
        // Scores: positives 1; a corrupt-one negative 1 (a tie: AUC ½); a random negative 0 (AUC 1).
        // The mixed AUC is then the same mixture of the two AUCs, 0.9 · ½ + 0.1 · 1, up to the sampled share.
        var data = Dataset(name: "mixture")
        for m in 0..<3 { try data.addModality(Modality(name: "m\(m)", count: 1_000)) }
        var generator = SeededGenerator(seed: 2)
        let test = try HyperedgeSet((0..<500).map { _ in (0..<3).map { _ in generator.index(below: 1_000) } })
        try data.addRelation(Relation(name: "r", members: [0, 1, 2], task: .link, train: HyperedgeSet([[0, 0, 0]]), test: test))
        let evaluation = EvaluationProtocol(dataset: data, valueRanges: [nil], rankingQueries: 0)
        var positive = Set<[Int32]>()
        for e in 0..<test.count { positive.insert(Array(test.members[(e * 3)..<(e * 3 + 3)])) }
        let metrics = try evaluation.linkMetrics(relation: 0, positives: test) { _, hyperedges in
            (0..<hyperedges.count).map { e in
                let tuple = Array(hyperedges.members[(e * 3)..<(e * 3 + 3)])
                if positive.contains(tuple) { return 1 }
                // A corrupt-one negative shares two members with some positive: here, its own.
                let close = test.count > 0 && (0..<test.count).contains { p in
                    (0..<3).filter { tuple[$0] == test.members[p * 3 + $0] }.count == 2
                }
                return close ? 1 : 0
            }
        }
        let corruptOne = try XCTUnwrap(metrics["auc"]), random = try XCTUnwrap(metrics["auc_random"])
        XCTAssertEqual(corruptOne, 0.5, accuracy: 1e-9)
        XCTAssertGreaterThan(random, 0.98, "a random tuple seldom shares two members with a positive")
        XCTAssertEqual(try XCTUnwrap(metrics["auc_mixed"]), 0.9 * corruptOne + 0.1 * random, accuracy: 0.015)
        XCTAssertNotNil(metrics["aupr_mixed"])
    }
}
