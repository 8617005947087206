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

    /// Colours of the map's categories (Tableau's ten, without its grey, which marks "other").
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]
    static let otherColour = "#999999"

    /// The SVG scatter: one point per item, a seeded sample of `labelCount` points labelled with their
    /// `labels` (IDs or names), the axes titled with the variance they explain. With `colouredBy`, each
    /// point takes the colour of its category (the nine commonest; the rest, and items without one, in
    /// grey as "other") and a legend gives each colour's category and count.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `labelCount` is negative.
    public func svg(labels: [String], title: String, labelCount: Int = 20, colouredBy category: ItemCategory? = nil) throws -> String {
        guard labelCount >= 0 else { throw HyperLearnError.invalidArgument("EmbeddingMap.svg: negative labelCount \(labelCount)") }
        let size = 640.0, margin = 50.0, plot = size - 2 * margin
        let category = category.flatMap { $0.values.count == coordinates.rows ? $0 : nil }
        let legend = try category.map { try $0.commonest(Self.palette.count) } ?? []
        let colourOf = Dictionary(uniqueKeysWithValues: legend.enumerated().map { ($1.key, Self.palette[$0]) })
        let width = legend.isEmpty ? size : size + 190
        let xs = (0..<coordinates.rows).map { Double(coordinates.storage[$0 * 2]) }
        let ys = (0..<coordinates.rows).map { Double(coordinates.storage[$0 * 2 + 1]) }
        let (xLow, xHigh) = (xs.min() ?? 0, xs.max() ?? 1), (yLow, yHigh) = (ys.min() ?? 0, ys.max() ?? 1)
        func px(_ x: Double) -> Double { margin + (x - xLow) / max(xHigh - xLow, 1e-12) * plot }
        func py(_ y: Double) -> Double { size - margin - (y - yLow) / max(yHigh - yLow, 1e-12) * plot }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        let e = Markup.escaped
        let heading = category.map { legend.isEmpty ? title : "\(title), coloured by \($0.name)" } ?? title
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(size))" font-family="sans-serif" font-size="10">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(size / 2))" y="20" text-anchor="middle" font-size="14">\(e(heading))</text>
            <rect x="\(f(margin))" y="\(f(margin))" width="\(f(plot))" height="\(f(plot))" fill="none" stroke="#444"/>
            <text x="\(f(size / 2))" y="\(f(size - 15))" text-anchor="middle">PC1 (\(String(format: "%.1f", 100 * explainedVariance[0])) % of the variance)</text>
            <text x="15" y="\(f(size / 2))" text-anchor="middle" transform="rotate(-90 15 \(f(size / 2)))">PC2 (\(String(format: "%.1f", 100 * explainedVariance[1])) % of the variance)</text>

            """
        for i in xs.indices {
            let colour = category.map { colourOf[$0.key(i)] ?? Self.otherColour } ?? Self.palette[0]
            out += "<circle cx=\"\(f(px(xs[i])))\" cy=\"\(f(py(ys[i])))\" r=\"2\" fill=\"\(colour)\" fill-opacity=\"0.6\"><title>\(e(i < labels.count ? labels[i] : String(i)))</title></circle>\n"
        }
        var generator = SeededGenerator(seed: 11)
        var sample = Array(xs.indices)
        sample.shuffle(using: &generator)
        for i in sample.prefix(labelCount) {
            out += "<text class=\"label\" x=\"\(f(px(xs[i]) + 3))\" y=\"\(f(py(ys[i]) - 3))\">\(e(i < labels.count ? labels[i] : String(i)))</text>\n"
        }
        if let category, !legend.isEmpty {
            let shown = legend.reduce(0) { $0 + $1.count }
            let entries = legend.map { (e(String($0.key.prefix(24))), colourOf[$0.key]!, $0.count) }
                + (shown < category.values.count ? [("other", Self.otherColour, category.values.count - shown)] : [])
            out += "<g class=\"legend\"><text x=\"\(f(size))\" y=\"\(f(margin + 4))\" font-weight=\"bold\">\(e(String(category.name.prefix(24))))</text>\n"
            for (k, (name, colour, count)) in entries.enumerated() {
                let y = margin + 20 + Double(k) * 16
                out += "<rect x=\"\(f(size))\" y=\"\(f(y - 8))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
                    + "<text x=\"\(f(size + 16))\" y=\"\(f(y + 1))\">\(name) (\(count))</text>\n"
            }
            out += "</g>\n"
        }
        return out + "</svg>\n"
    }

    /// The category a map is coloured by: the first with two to fifty distinct values (a column with one
    /// value says nothing; with hundreds, nine colours say little), or `nil`.
    public static func colouring(_ categories: [ItemCategory]) -> ItemCategory? {
        // `commonest` refuses only a negative limit, never this one.
        categories.first { (2...50).contains((try? $0.commonest(51).count) ?? 0) }
    }
}
