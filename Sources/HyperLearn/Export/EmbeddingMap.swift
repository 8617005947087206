import Foundation

/// A two-dimensional map of a modality's embeddings: their principal components (PCA), computed as the
/// top eigenvectors of the `d × d` covariance through LAPACKE's `ssyevr`, and drawn as an SVG scatter.
public struct EmbeddingMap: Sendable {
    /// `n × 2` coordinates: each item's projection on the first two principal axes.
    public let coordinates: Matrix
    /// The share of the total variance each axis explains.
    public let explainedVariance: [Float]

    /// The map of `embeddings` (`n × d`, at least two rows and two columns). Each axis's sign makes its
    /// largest loading positive, so the map does not flip from run to run of the same numbers.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` for fewer than two rows or columns or non-finite
    ///   values; ``HyperLearnError/numerical(_:)`` when LAPACKE fails.
    public init(_ embeddings: Matrix) throws {
        let n = embeddings.rows, d = embeddings.columns
        guard n >= 2, d >= 2 else { throw HyperLearnError.invalidArgument("EmbeddingMap: \(n)×\(d) embeddings; a map needs at least 2×2") }
        guard embeddings.storage.allSatisfy(\.isFinite) else { throw HyperLearnError.invalidArgument("EmbeddingMap: non-finite embedding values") }
        var centered = embeddings
        var means = [Float](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { means[k] += embeddings.storage[i * d + k] / Float(n) } }
        for i in 0..<n { for k in 0..<d { centered.storage[i * d + k] -= means[k] } }
        var covariance = Matrix(rows: d, columns: d)
        covariance.uncheckedMultiply(centered, centered, transposeA: true, alpha: 1 / Float(n - 1))
        let (values, vectors) = try LAPACKKernels.largestEigenpairs(covariance.storage, n: d, count: 2)
        var axes = Matrix(rows: d, columns: 2, uncheckedStorage: vectors)
        for k in 0..<2 {
            let largest = (0..<d).max { abs(axes.storage[$0 * 2 + k]) < abs(axes.storage[$1 * 2 + k]) }!
            if axes.storage[largest * 2 + k] < 0 { for j in 0..<d { axes.storage[j * 2 + k] *= -1 } }
        }
        var projected = Matrix(rows: n, columns: 2)
        projected.uncheckedMultiply(centered, axes)
        coordinates = projected
        let total = (0..<d).reduce(Float(0)) { $0 + covariance.storage[$1 * d + $1] }
        explainedVariance = values.map { total > 0 ? max(0, $0) / total : 0 }
    }

    /// The SVG scatter: one point per item, a seeded sample of `labelCount` points labelled with their
    /// `labels` (IDs or names), the axes titled with the variance they explain.
    public func svg(labels: [String], title: String, labelCount: Int = 20) -> String {
        let size = 640.0, margin = 50.0, plot = size - 2 * margin
        let xs = (0..<coordinates.rows).map { Double(coordinates.storage[$0 * 2]) }
        let ys = (0..<coordinates.rows).map { Double(coordinates.storage[$0 * 2 + 1]) }
        let (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1), (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        func px(_ x: Double) -> Double { margin + (x - xLow) / max(xHigh - xLow, 1e-12) * plot }
        func py(_ y: Double) -> Double { size - margin - (y - yLow) / max(yHigh - yLow, 1e-12) * plot }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(size))" font-family="sans-serif" font-size="10">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(size / 2))" y="20" text-anchor="middle" font-size="14">\(TrainingCurveSVG.escaped(title))</text>
            <rect x="\(f(margin))" y="\(f(margin))" width="\(f(plot))" height="\(f(plot))" fill="none" stroke="#444"/>
            <text x="\(f(size / 2))" y="\(f(size - 15))" text-anchor="middle">PC1 (\(String(format: "%.1f", 100 * explainedVariance[0])) % of the variance)</text>
            <text x="15" y="\(f(size / 2))" text-anchor="middle" transform="rotate(-90 15 \(f(size / 2)))">PC2 (\(String(format: "%.1f", 100 * explainedVariance[1])) % of the variance)</text>

            """
        for i in xs.indices {
            out += "<circle cx=\"\(f(px(xs[i])))\" cy=\"\(f(py(ys[i])))\" r=\"2\" fill=\"#1f77b4\" fill-opacity=\"0.6\"><title>\(TrainingCurveSVG.escaped(i < labels.count ? labels[i] : String(i)))</title></circle>\n"
        }
        var generator = SeededGenerator(seed: 11)
        var sample = Array(xs.indices)
        sample.shuffle(using: &generator)
        for i in sample.prefix(labelCount) {
            out += "<text class=\"label\" x=\"\(f(px(xs[i]) + 3))\" y=\"\(f(py(ys[i]) - 3))\">\(TrainingCurveSVG.escaped(i < labels.count ? labels[i] : String(i)))</text>\n"
        }
        return out + "</svg>\n"
    }
}
