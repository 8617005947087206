@testable import HyperLearn
import XCTest

final class HyperLearnModelTests: XCTestCase {
    func testTheConfigurationIsCheckedBeforeItSizesALayer() throws {
        var data = Dataset(name: "d")
        try data.addModality(Modality(name: "a", count: 3))
        try data.addModality(Modality(name: "b", count: 2))
        try data.addRelation(Relation(name: "r", members: [0, 1], task: .link, train: HyperedgeSet([[0, 1], [2, 0]])))
        var config = TrainingConfiguration.small(width: 4, epochs: 1, batchSize: 0)
        config.layers = 2
        var generator = SeededGenerator(seed: 1)
        let model = try HyperLearnModel(dataset: data, trainingRelations: data.relations, configuration: config, using: &generator)
        XCTAssertEqual(model.encoders.map(\.outputDimensions), [4, 4])
        XCTAssertEqual(model.encoders.map(\.convolutions.count), [1, 1])
        XCTAssertEqual(model.decoders.count, 1)
        // `layers − 1` hidden widths: zero layers once asked for a negative count of them.
        config.layers = 0
        assertInvalidArgument(try HyperLearnModel(dataset: data, trainingRelations: data.relations, configuration: config, using: &generator),
                              mentioning: "layers must be ≥ 1, got 0")
        config.layers = 1
        config.dimensions = -4
        assertInvalidArgument(try HyperLearnModel(dataset: data, trainingRelations: data.relations, configuration: config, using: &generator),
                              mentioning: "dimensions must be positive, got -4")
    }
}
