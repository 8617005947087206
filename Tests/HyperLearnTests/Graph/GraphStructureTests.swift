@testable import HyperLearn
import XCTest

/// Hand-written tiny graphs and hypergraphs with values computed by hand (the PyG habit).
final class GraphStructureTests: XCTestCase {
    func testGCNNormalizationOfAPath() throws {
        // Path 0 – 1 – 2. With self-loops the degrees are 2, 3, 2.
        let a = try SparseMatrix(rows: 3, columns: 3, entries: [(0, 1, 1), (1, 0, 1), (1, 2, 1), (2, 1, 1)])
        let p = try gcnNormalization(a).dense
        let h: Float = 0.5, t: Float = 1.0 / 3, c: Float = 1 / Float(6).squareRoot()
        let expected: [[Float]] = [[h, c, 0], [c, t, c], [0, c, h]]
        assertClose(p, try Matrix(expected))
    }

    func testHypergraphPropagationMatchesTheDenseFormula() throws {
        // Items 0..3, hyperedges {0,1,2} and {2,3}, plus a singleton per item.
        let h = try SparseMatrix(rows: 4, columns: 2, entries: [(0, 0, 1), (1, 0, 1), (2, 0, 1), (2, 1, 1), (3, 1, 1)])
        let propagation = try HypergraphPropagation(incidence: h)
        // By hand: vertex degrees (with singletons) 2, 2, 3, 2; edge sizes 3, 2, and 1 for singletons.
        // P[i][j] = Σ_e H[i,e] H[j,e] / (size_e √(d_i d_j)).
        let dv: [Float] = [2, 2, 3, 2]
        var expected = Matrix(rows: 4, columns: 4)
        let edges: [[Int]] = [[0, 1, 2], [2, 3], [0], [1], [2], [3]]
        for edge in edges {
            for i in edge { for j in edge { expected[i, j] += 1 / (Float(edge.count) * (dv[i] * dv[j]).squareRoot()) } }
        }
        let identity = try Matrix(rows: 4, columns: 4, storage: (0..<16).map { $0 % 5 == 0 ? 1 : 0 })
        assertClose(try propagation.apply(identity), expected, rtol: 1e-5, atol: 1e-6)
        XCTAssertEqual(expected[0, 1], 1 / (3 * 2), accuracy: 1e-6)
    }

    func testCPDecoderValueByHand() throws {
        // s = Σ_k λ_k a_k b_k c_k + b_a + b_b + b_c + μ for one hyperedge.
        let decoder = try RelationDecoder(kind: .cp, order: 3, dimensions: 2, tupleHiddenDimensions: 1, name: "r",
                                      using: &TestGenerator.shared)
        decoder.cp.weights.value = try Matrix([[2, -1]])
        decoder.cp.globalBias.value = try Matrix([[0.5]])
        // Member blocks of one hyperedge: rows (1, 2), (3, 4), (5, 6); item biases 0.1, 0.2, 0.3.
        var scores = Matrix(rows: 1, columns: 1)
        _ = try DecoderPass.score(CPUOperations(), decoder, gathered: Matrix([[1, 2], [3, 4], [5, 6]]),
                                  biases: Matrix([[0.1], [0.2], [0.3]]), order: 3, edges: 1, value: { $0.value }, into: &scores)
        // 2·1·3·5 − 1·2·4·6 = 30 − 48 = −18; biases 0.6; μ 0.5.
        XCTAssertEqual(scores.storage[0], -18 + 0.6 + 0.5, accuracy: 1e-5)
    }

    func testCooccurrenceGraphKeepsTopKAndSkipsHubs() throws {
        // Items 0..3 of one modality; columns are "other" items. Column 0 joins {0,1}, column 1 joins {0,1},
        // column 2 joins {1,2}, column 3 (a hub) joins everything.
        let incidence = try SparseMatrix(rows: 4, columns: 4, entries: [
            (0, 0, 1), (1, 0, 1), (0, 1, 1), (1, 1, 1), (1, 2, 1), (2, 2, 1),
            (0, 3, 1), (1, 3, 1), (2, 3, 1), (3, 3, 1),
        ])
        let graph = try cooccurrenceGraph(incidence: incidence, k: 1, hubLimit: 3)
        // Item 0's top neighbour is 1 (2 shared), item 2's is 1, item 1's is 0; item 3 has none (hub skipped).
        XCTAssertEqual(graph[0, 1], 1)
        XCTAssertEqual(graph[1, 2], 1)
        XCTAssertEqual(graph[2, 1], 1)
        XCTAssertEqual(graph.rowDegrees[3], 0)
        XCTAssertEqual(graph[0, 2], 0)
    }

    func testNearestNeighborsByCosine() throws {
        let features = try Matrix([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]])
        let graph = try nearestNeighborGraph(features: features, k: 1)
        XCTAssertEqual(graph.dense, try Matrix([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0]]))
    }

    func testInducedIncidenceCountsSharedMembers() throws {
        var data = Dataset(name: "t")
        let u = try data.addModality(Modality(name: "u", count: 2))
        let m = try data.addModality(Modality(name: "m", count: 3))
        try data.addRelation(Relation(name: "r", members: [u, m], task: .link, train: HyperedgeSet([[0, 0], [0, 1], [1, 1], [1, 1]])))
        let incidence = try relationIncidence(modality: m, relations: data.relations, sizes: [2, 3])
        // Movie 1 met user 0 once and user 1 twice.
        XCTAssertEqual(incidence.dense, try Matrix([[1, 0], [1, 2], [0, 0]]))
    }

    func testSparseTransposeAndProduct() throws {
        var g = SeededGenerator(seed: 9)
        let s = try SparseMatrix(rows: 3, columns: 4, entries: [(0, 1, 2), (0, 3, -1), (2, 0, 0.5), (2, 0, 0.5), (1, 2, 3)])
        XCTAssertEqual(s[2, 0], 1)  // duplicates summed
        let x = randomMatrix(4, 2, using: &g)
        assertClose(try s.multiply(x), try Matrix.product(s.dense, x))
        XCTAssertEqual(s.transposed.dense, s.dense.transposed)
    }
}

enum TestGenerator {
    nonisolated(unsafe) static var shared = SeededGenerator(seed: 42)
}

extension GraphStructureTests {
    func testPropagationsRefuseAMatrixOfAnotherItemCount() throws {
        let graph = try NormalizedAdjacency(adjacency: SparseMatrix(rows: 3, columns: 3, entries: [(0, 1, 1), (1, 0, 1)]))
        let hypergraph = try HypergraphPropagation(incidence: SparseMatrix(rows: 3, columns: 1, entries: [(0, 0, 1), (2, 0, 1)]))
        let x = try Matrix([[1, 2], [3, 4], [5, 6]])
        for propagation in [graph as any Propagation, hypergraph, try MixedPropagation([graph, hypergraph])] {
            let name = "\(type(of: propagation)).apply"
            var y = Matrix(rows: 3, columns: 2)
            try propagation.apply(x, into: &y)
            XCTAssertEqual(y, try propagation.apply(x), name)
            assertInvalidArgument(try propagation.apply(Matrix(rows: 2, columns: 4)), mentioning: name, "2×4", "over 3 items")
            var narrow = Matrix(rows: 3, columns: 1)
            assertInvalidArgument(try propagation.apply(x, into: &narrow), mentioning: name, "into 3×1")
        }
    }

    func testRelationIncidenceRefusesANegativeSize() throws {
        let relation = Relation(name: "r", members: [0, 1], task: .link, train: try HyperedgeSet([[0, 0]]))
        assertInvalidArgument(try relationIncidence(modality: 0, relations: [relation], sizes: [-2, 1]),
                              mentioning: "relationIncidence", "size 0 is negative (-2)")
        assertInvalidArgument(try relationIncidence(modality: 0, relations: [], sizes: [1, -1]),
                              mentioning: "relationIncidence", "size 1 is negative (-1)")
    }
}
