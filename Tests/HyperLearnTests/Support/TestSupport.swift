@testable import HyperLearn
import XCTest

/// `|actual − expected| ≤ atol + rtol · |expected|` element by element.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "sizes differ \(message)", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= atol + rtol * abs(e)) {
        XCTFail("element \(i): \(a) vs \(e) \(message)", file: file, line: line)
        return
    }
}

func assertClose(_ actual: Matrix, _ expected: Matrix, rtol: Float = 1e-5, atol: Float = 1e-6,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.rows, expected.rows, file: file, line: line)
    XCTAssertEqual(actual.columns, expected.columns, file: file, line: line)
    assertClose(actual.storage, expected.storage, rtol: rtol, atol: atol, message, file: file, line: line)
}

func randomMatrix(_ rows: Int, _ columns: Int, scale: Float = 1, using generator: inout SeededGenerator) -> Matrix {
    Matrix(rows: rows, columns: columns, uncheckedStorage: (0..<(rows * columns)).map { _ in scale * generator.normal() })
}

/// Central finite differences of `loss` with respect to every element of `parameter` (or `limit` of
/// them), compared with `parameter.gradient` after `computeAnalytic` ran: relative error ≤ `tolerance`
/// with an absolute floor.
func checkGradient(_ parameter: Parameter, epsilon: Float = 1e-2, tolerance: Double = 2e-2, limit: Int = 40,
                   loss: () -> Double, computeAnalytic: () -> Void,
                   file: StaticString = #filePath, line: UInt = #line) {
    parameter.zeroGradient()
    computeAnalytic()
    let analytic = parameter.gradient.storage
    let stride = max(1, parameter.count / limit)
    var checked = 0
    for i in Swift.stride(from: 0, to: parameter.count, by: stride) {
        let original = parameter.value.storage[i]
        parameter.value.storage[i] = original + epsilon
        let plus = loss()
        parameter.value.storage[i] = original - epsilon
        let minus = loss()
        parameter.value.storage[i] = original
        let numeric = (plus - minus) / (2 * Double(epsilon))
        let error = abs(numeric - Double(analytic[i])) / max(1e-2, abs(numeric) + abs(Double(analytic[i])))
        if error > tolerance {
            XCTFail("\(parameter.name)[\(i)]: analytic \(analytic[i]), numeric \(numeric)", file: file, line: line)
            return
        }
        checked += 1
    }
    XCTAssertGreaterThan(checked, 0, file: file, line: line)
}

/// Where the shared benchmark data lives, or `nil` (tests that need it skip).
func sharedDataDirectory() -> URL? {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    let data = url.deletingLastPathComponent().appendingPathComponent("shared/data")
    return FileManager.default.fileExists(atPath: data.path) ? data : nil
}

extension TrainingConfiguration {
    /// A small model for tests: embedding, hidden and table width `width`, a fixed number of epochs
    /// (no early stopping); tests change the rest.
    static func small(width: Int, epochs: Int, batchSize: Int) -> TrainingConfiguration {
        var config = TrainingConfiguration()
        config.dimensions = width
        config.hiddenDimensions = width
        config.tableDimensions = width
        config.epochs = epochs
        config.batchSize = batchSize
        config.patience = 0
        return config
    }
}

/// The dataset the whole-loss gradient checks train on: features with a kNN graph, an induced
/// hypergraph and a co-occurrence graph; a valued 2nd-order and an unvalued 3rd-order relation.
func gradientCheckDataset() throws -> Dataset {
    var data = Dataset(name: "grad")
    var g = SeededGenerator(seed: 7)
    let a = try data.addModality(Modality(name: "a", count: 6, features: randomMatrix(6, 2, using: &g), graph: .nearestNeighbors(k: 2)))
    let b = try data.addModality(Modality(name: "b", count: 5, hypergraph: .induced))
    let c = try data.addModality(Modality(name: "c", count: 4, graph: .cooccurrence(k: 2)))
    var pairs = [[Int]](), values = [Float]()
    for i in 0..<6 { for j in 0..<5 where (i + j) % 2 == 0 { pairs.append([i, j]); values.append(Float(i - j) / 3) } }
    try data.addRelation(Relation(name: "rates", members: [a, b], task: .regression, train: HyperedgeSet(pairs, values: values)))
    let triples = (0..<12).map { [$0 % 6, ($0 * 2) % 5, ($0 * 3) % 4] }
    try data.addRelation(Relation(name: "tags", members: [a, b, c], task: .link, train: HyperedgeSet(triples)))
    return data
}
