import Foundation

/// An SVG of a training run: the training loss per epoch, then one panel per relation with its
/// validation metric per epoch (`rmse`, lower is better; `auc`, higher is better), each with labelled
/// axes, a legend at the top and the best epoch marked. Without per-relation metrics the second panel
/// shows the early-stopping score.
///
/// Hand-written SVG with no dependency, so it opens in any browser.
///
/// ```swift
/// try AtomicFile.write(TrainingCurveSVG.render(trainer.history, bestEpoch: trainer.bestEpoch), to: url)
/// ```
public enum TrainingCurveSVG {
    /// One curve: its points, the panel title and y-axis label, and its colour.
    struct Curve {
        var points: [(Double, Double)]
        var title: String
        var axis: String
        var color: String
    }

    static let palette = ["#1f77b4", "#d62728", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22"]

    /// The curves of `history`: the loss, then each relation's validation metric (or the score).
    static func curves(_ history: [EpochRecord]) -> [Curve] {
        var curves = [Curve(points: history.map { (Double($0.epoch), $0.loss) }, title: "training loss", axis: "loss",
                            color: palette[0])]
        let relations = Set(history.flatMap(\.validation.keys)).sorted()
        if relations.isEmpty {
            curves.append(Curve(points: history.compactMap { record in record.validationScore.map { (Double(record.epoch), $0) } },
                                title: "validation score (lower is better)", axis: "score", color: palette[1]))
        }
        for (k, relation) in relations.enumerated() {
            guard let metric = history.lazy.compactMap({ $0.validation[relation]?.keys.sorted().first }).first else { continue }
            let direction = metric == "rmse" || metric == "mae" ? "lower" : "higher"
            curves.append(Curve(points: history.compactMap { record in record.validation[relation]?[metric].map { (Double(record.epoch), $0) } },
                                title: "validation \(relation) \(metric) (\(direction) is better)", axis: metric,
                                color: palette[(k + 1) % palette.count]))
        }
        return curves
    }

    /// The SVG document.
    /// - Parameters:
    ///   - history: one record per epoch.
    ///   - bestEpoch: the epoch to mark (0: none).
    ///   - title: shown above the panels.
    public static func render(_ history: [EpochRecord], bestEpoch: Int = 0, title: String = "Training") -> String {
        let curves = curves(history)
        let width = 640.0, panelHeight = 220.0, legendRows = Double((curves.count + 1 + 2) / 3)
        let top = 40.0 + 16 * legendRows
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(top + Double(curves.count) * panelHeight + 20))" \
            font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(width / 2))" y="20" text-anchor="middle" font-size="14">\(escaped(title))</text>

            """
        // Legend: each curve's colour and name, then the best-epoch marker, three to a row.
        var entries = curves.map { (label: $0.title, color: $0.color, dashed: false) }
        if bestEpoch > 0 { entries.append(("best epoch \(bestEpoch)", "#2ca02c", true)) }
        svg += "<g class=\"legend\">\n"
        for (k, entry) in entries.enumerated() {
            let x = 20 + Double(k % 3) * 205, y = 36 + Double(k / 3) * 16
            svg += "<line x1=\(quoted(x)) y1=\(quoted(y)) x2=\(quoted(x + 18)) y2=\(quoted(y)) stroke=\"\(entry.color)\" stroke-width=\"2\""
                + (entry.dashed ? " stroke-dasharray=\"4 3\"" : "") + "/>"
            svg += "<text x=\(quoted(x + 22)) y=\(quoted(y + 4))>\(escaped(entry.label))</text>\n"
        }
        svg += "</g>\n"
        for (k, curve) in curves.enumerated() {
            svg += panel(curve.points, label: curve.title, axis: curve.axis, color: curve.color,
                         originY: top + Double(k) * panelHeight, width: width, height: panelHeight, bestEpoch: bestEpoch)
        }
        svg += "</svg>\n"
        return svg
    }

    static func panel(_ points: [(Double, Double)], label: String, axis: String, color: String, originY: Double,
                      width: Double, height: Double, bestEpoch: Int) -> String {
        let left = 70.0, right = 20.0, top = 15.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let y0 = originY + top
        var out = "<g>\n"
        out += "<text x=\(quoted(left + plotWidth / 2)) y=\(quoted(originY + top - 3)) text-anchor=\"middle\">\(escaped(label))</text>\n"
        out += "<text class=\"y-axis\" x=\(quoted(16)) y=\(quoted(y0 + plotHeight / 2)) text-anchor=\"middle\" "
            + "transform=\"rotate(-90 16 \(format(y0 + plotHeight / 2)))\">\(escaped(axis))</text>\n"
        out += "<rect x=\(quoted(left)) y=\(quoted(y0)) width=\(quoted(plotWidth)) height=\(quoted(plotHeight)) fill=\"none\" stroke=\"#444\"/>\n"
        let finite = points.filter { $0.1.isFinite }
        guard !finite.isEmpty else {
            out += "<text x=\(quoted(left + plotWidth / 2)) y=\(quoted(y0 + plotHeight / 2)) text-anchor=\"middle\" fill=\"#888\">no data</text>\n</g>\n"
            return out
        }
        let xTicks = ticks(low: 1, high: max(2, finite.map(\.0).max()!), integral: true)
        var yLow = finite.map(\.1).min()!, yHigh = finite.map(\.1).max()!
        if yHigh - yLow < 1e-12 { yLow -= 0.5; yHigh += 0.5 }
        let yTicks = ticks(low: yLow, high: yHigh, integral: false)
        let xMin = xTicks.first!, xMax = xTicks.last!, yMin = yTicks.first!, yMax = yTicks.last!
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotWidth }
        func py(_ y: Double) -> Double { y0 + plotHeight - (y - yMin) / (yMax - yMin) * plotHeight }
        for t in xTicks {
            out += "<line x1=\(quoted(px(t))) y1=\(quoted(y0 + plotHeight)) x2=\(quoted(px(t))) y2=\(quoted(y0 + plotHeight + 4)) stroke=\"#444\"/>"
            out += "<text x=\(quoted(px(t))) y=\(quoted(y0 + plotHeight + 16)) text-anchor=\"middle\">\(tickLabel(t))</text>\n"
        }
        for t in yTicks {
            out += "<line x1=\(quoted(left - 4)) y1=\(quoted(py(t))) x2=\(quoted(left + plotWidth)) y2=\(quoted(py(t))) stroke=\"#ddd\"/>"
            out += "<text x=\(quoted(left - 6)) y=\(quoted(py(t) + 4)) text-anchor=\"end\">\(tickLabel(t))</text>\n"
        }
        out += "<text x=\(quoted(left + plotWidth / 2)) y=\(quoted(y0 + plotHeight + 32)) text-anchor=\"middle\">epoch</text>\n"
        if bestEpoch > 0 {
            out += "<line x1=\(quoted(px(Double(bestEpoch)))) y1=\(quoted(y0)) x2=\(quoted(px(Double(bestEpoch)))) y2=\(quoted(y0 + plotHeight)) stroke=\"#2ca02c\" stroke-dasharray=\"4 3\"><title>best epoch \(bestEpoch)</title></line>\n"
        }
        let path = finite.map { "\(format(px($0.0))),\(format(py($0.1)))" }.joined(separator: " ")
        out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        for (x, y) in finite where finite.count <= 60 {
            out += "<circle cx=\(quoted(px(x))) cy=\(quoted(py(y))) r=\"2\" fill=\"\(color)\"/>"
        }
        out += "\n</g>\n"
        return out
    }

    /// Round tick values covering `low ... high` (about five; 1, 2 or 5 times a power of ten).
    static func ticks(low: Double, high: Double, integral: Bool) -> [Double] {
        let span = max(high - low, 1e-12)
        let raw = span / 5, magnitude = pow(10, floor(log10(raw)))
        let normalized = raw / magnitude
        var step = (normalized < 1.5 ? 1 : normalized < 3.5 ? 2 : normalized < 7.5 ? 5 : 10) * magnitude
        if integral { step = max(1, step.rounded()) }
        let first = floor(low / step) * step, last = ceil(high / step) * step
        var values = [Double]()
        var t = first
        while t <= last + step * 1e-9 && values.count < 50 { values.append(t); t += step }
        if values.count < 2 { values.append(first + step) }
        return values
    }

    static func tickLabel(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e7 { return String(Int(value)) }
        let magnitude = abs(value)
        return magnitude >= 1e-3 && magnitude < 1e5 ? String(format: "%.4g", value) : String(format: "%.2e", value)
    }

    static func format(_ value: Double) -> String { String(format: "%.2f", value) }
    static func quoted(_ value: Double) -> String { "\"" + format(value) + "\"" }

    static func escaped(_ text: String) -> String { Markup.escaped(text) }
}
