@testable import HyperLearn
import XCTest

/// `TrainingCurveSVG`: one polyline per curve with one point per epoch that has a value, in order.
final class TrainingCurveSVGTests: XCTestCase {
    func record(_ epoch: Int, loss: Double, validation: Double?) -> EpochRecord {
        EpochRecord(epoch: epoch, loss: loss, validationScore: validation, validation: [:], seconds: 0.1, learningRate: 0.01)
    }

    /// The `points` of each `<polyline>`, as (x, y) pairs.
    func polylines(_ svg: String) -> [[(x: Double, y: Double)]] {
        svg.components(separatedBy: "<polyline points=\"").dropFirst().map { tail in
            tail.prefix { $0 != "\"" }.split(separator: " ").map { pair in
                let xy = pair.split(separator: ",").map { Double($0)! }
                return (xy[0], xy[1])
            }
        }
    }

    func testOnePathPerCurveWithOnePointPerEpoch() {
        let history = (1...7).map { record($0, loss: 2 / Double($0), validation: $0 == 3 ? nil : 1 - Double($0) / 10) }
        let svg = TrainingCurveSVG.render(history, bestEpoch: 5, title: "a < b")
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>\n"))
        XCTAssertTrue(svg.contains(">a &lt; b</text>"), "the title is escaped")
        let curves = polylines(svg)
        XCTAssertEqual(curves.count, 2, "training loss and validation score")
        XCTAssertEqual(curves[0].count, 7)
        XCTAssertEqual(curves[1].count, 6, "epoch 3 has no validation score")
        for curve in curves {
            XCTAssertEqual(curve.map(\.x), curve.map(\.x).sorted(), "points in epoch order")
        }
        // SVG's y grows downwards, so a falling loss has growing y.
        XCTAssertEqual(curves[0].map(\.y), curves[0].map(\.y).sorted(), "a falling loss is drawn falling")
        XCTAssertEqual(svg.components(separatedBy: "<circle ").count - 1, 13, "a marker per point")
        XCTAssertTrue(svg.contains("<title>best epoch 5</title>"))
    }

    func testNoValidationScoreDrawsOneCurveAndSaysSo() {
        let svg = TrainingCurveSVG.render([record(1, loss: 1, validation: nil), record(2, loss: 0.5, validation: nil)])
        XCTAssertEqual(polylines(svg).map(\.count), [2])
        XCTAssertTrue(svg.contains(">no data</text>"))
        XCTAssertFalse(svg.contains("best epoch"), "bestEpoch 0 marks nothing")
    }

    /// One validation panel per relation with its own metric and direction, y-axis labels, and a legend
    /// naming every curve and the best epoch.
    func testOneValidationCurvePerRelationWithLegendAndAxisLabels() {
        let history = (1...5).map { epoch in
            EpochRecord(epoch: epoch, loss: 1 / Double(epoch), validationScore: 0.5,
                        validation: ["rating": ["rmse": 1 - Double(epoch) / 20], "tagging": ["auc": 0.6 + Double(epoch) / 50]],
                        seconds: 0.1, learningRate: 0.01)
        }
        let svg = TrainingCurveSVG.render(history, bestEpoch: 4)
        let curves = polylines(svg)
        XCTAssertEqual(curves.map(\.count), [5, 5, 5], "loss, rating rmse, tagging auc")
        // Falling RMSE is drawn going down the page (y grows downward), rising AUC going up.
        XCTAssertLessThan(curves[1].first!.y, curves[1].last!.y)
        XCTAssertGreaterThan(curves[2].first!.y, curves[2].last!.y)
        for label in ["training loss", "validation rating rmse (lower is better)", "validation tagging auc (higher is better)", "best epoch 4"] {
            XCTAssertEqual(svg.components(separatedBy: ">\(label)</text>").count - 1, label.hasPrefix("best") ? 1 : 2,
                           "\(label): in the legend and as the panel's title")
        }
        let axes = svg.components(separatedBy: "class=\"y-axis\"").dropFirst().map { $0.components(separatedBy: ">")[1].components(separatedBy: "<")[0] }
        XCTAssertEqual(axes, ["loss", "rmse", "auc"])
    }

    func testTicksAreRoundAndCoverTheRange() {
        XCTAssertEqual(TrainingCurveSVG.ticks(low: 1, high: 7, integral: true), [1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(TrainingCurveSVG.ticks(low: 0.13, high: 0.92, integral: false).map { ($0 * 10).rounded() / 10 },
                       [0, 0.2, 0.4, 0.6, 0.8, 1])
    }
}
