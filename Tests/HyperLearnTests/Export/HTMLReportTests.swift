@testable import HyperLearn
import XCTest

final class HTMLReportTests: XCTestCase {
    func testThePageAndItsRefusalOfNegativeCounts() throws {
        var data = Dataset(name: "toy")
        try data.addModality(Modality(name: "user", count: 4))
        try data.addModality(Modality(name: "item", count: 3))
        try data.addRelation(Relation(name: "r", members: [0, 1], task: .link,
                                      train: HyperedgeSet([[0, 1], [1, 2], [2, 0], [3, 1]])))
        var config = TrainingConfiguration.small(width: 2, epochs: 1, batchSize: 0)
        config.validationFraction = 0
        let trainer = try Trainer(dataset: data, configuration: config)
        try trainer.fit()
        let model = try TrainedModel(trainer)
        let page = try HTMLReport.render(model, history: trainer.history, metrics: [:], configuration: "seed: 0",
                                         neighborItems: 1, neighbors: 2)
        XCTAssertTrue(page.contains("<h1>toy: trained model</h1>"))
        XCTAssertEqual(page.components(separatedBy: "<caption>nearest to").count - 1, 2, "one neighbour table per modality")
        assertInvalidArgument(try HTMLReport.render(model, history: [], metrics: [:], configuration: "", neighborItems: -1),
                              mentioning: "HTMLReport.render", "neighborItems -1")
        assertInvalidArgument(try HTMLReport.render(model, history: [], metrics: [:], configuration: "", neighbors: 0),
                              mentioning: "HTMLReport.render", "neighbors 0")
    }
}
