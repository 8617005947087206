@testable import HyperLearn
import XCTest

/// `EmbeddingMap`: PCA through LAPACKE recovers planted principal axes and their variance shares.
final class EmbeddingMapTests: XCTestCase {
    func testRecoversPlantedAxesAndVarianceShares() throws {
        // Latent coordinates with standard deviations 3, 2, 1, rotated into 4 dimensions (the 4th is 0).
        var g = SeededGenerator(seed: 9)
        let n = 2_000
        let latent = randomMatrix(n, 3, using: &g)
        let scales: [Float] = [3, 2, 1]
        let angle: Float = 0.7
        let rotation: [[Float]] = [[cos(angle), -sin(angle), 0, 0], [sin(angle), cos(angle), 0, 0], [0, 0, 0, 1]]
        var z = Matrix(rows: n, columns: 4)
        for i in 0..<n {
            for j in 0..<4 { z[i, j] = (0..<3).reduce(0) { $0 + latent[i, $1] * scales[$1] * rotation[$1][j] } + 5 }
        }
        let map = try EmbeddingMap(z)
        XCTAssertEqual(map.coordinates.rows, n)
        XCTAssertEqual(map.coordinates.columns, 2)
        func correlation(_ a: [Float], _ b: [Float]) -> Float {
            let ma = a.reduce(0, +) / Float(a.count), mb = b.reduce(0, +) / Float(b.count)
            let cov = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
            let va = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, vb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
            return cov / (va * vb).squareRoot()
        }
        for k in 0..<2 {
            let axis = (0..<n).map { map.coordinates[$0, k] }, planted = (0..<n).map { latent[$0, k] }
            XCTAssertGreaterThan(abs(correlation(axis, planted)), 0.99, "axis \(k)")
        }
        XCTAssertEqual(map.explainedVariance[0], 9 / 14, accuracy: 0.03)
        XCTAssertEqual(map.explainedVariance[1], 4 / 14, accuracy: 0.03)
        // The same numbers give the same map (the sign convention), and the SVG has a point per item.
        XCTAssertEqual(try EmbeddingMap(z).coordinates, map.coordinates)
        let svg = try map.svg(labels: (0..<n).map { "item<\($0)>" }, title: "t", labelCount: 5)
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, n)
        XCTAssertEqual(svg.components(separatedBy: "class=\"label\"").count - 1, 5)
        XCTAssertTrue(svg.contains("item&lt;0&gt;"), "labels are escaped")
        XCTAssertTrue(svg.contains("PC1 (6"), "the axis names its variance share")
    }

    func testBadInputThrows() throws {
        XCTAssertThrowsError(try EmbeddingMap(Matrix(rows: 1, columns: 4)))
        XCTAssertThrowsError(try EmbeddingMap(Matrix(rows: 5, columns: 1)))
        var bad = Matrix(rows: 3, columns: 2)
        bad[1, 1] = .nan
        XCTAssertThrowsError(try EmbeddingMap(bad))
        XCTAssertThrowsError(try LAPACKKernels.largestEigenpairs([1, 0, 0], n: 2, count: 1))
    }
}

extension EmbeddingMapTests {
    func testSVGRefusesANegativeLabelCount() throws {
        let map = try EmbeddingMap(Matrix([[1, 0], [0, 1], [1, 1]]))
        XCTAssertEqual(try map.svg(labels: ["a", "b", "c"], title: "t", labelCount: 0).components(separatedBy: "class=\"label\"").count, 1)
        assertInvalidArgument(try map.svg(labels: ["a", "b", "c"], title: "t", labelCount: -1), mentioning: "EmbeddingMap.svg", "-1")
    }
}
