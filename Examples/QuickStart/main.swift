// A complete HyperLearn program: build a small multimodal dataset in memory, train, evaluate on a
// held-out test split and read the embeddings. Run with `swift run QuickStart`. The README's library
// section is this file from `import HyperLearn` on (QuickStartTests keeps the two the same).
import HyperLearn

// Planted data: 3 modalities of 30 items on ring graphs, a valued 3rd-order relation.
var synthetic = SyntheticData(modalities: 3, items: 30, order: 3)
synthetic.graphNeighbors = 4
let (factors, graphs) = try synthetic.structure()
let ratings = try synthetic.hyperedges(count: 4_500, factors: factors, preferStructure: false, noise: 0.1, seed: 1)
// Hold out the last 500 ratings as the test split (the draws are independent, so this is a random split).
let train = try ratings.subset(Array(0..<4_000))
let test = try ratings.subset(Array(4_000..<4_500))

var data = Dataset(name: "quick-start")
let user = try data.addModality(Modality(name: "user", count: 30, graph: .adjacency(graphs[0])))
let movie = try data.addModality(Modality(name: "movie", count: 30, graph: .adjacency(graphs[1])))
let tag = try data.addModality(Modality(name: "tag", count: 30, hypergraph: .induced))
try data.addRelation(Relation(name: "rating", members: [user, movie, tag], task: .regression, train: train, test: test))

var config = TrainingConfiguration()
config.dimensions = 16
config.hiddenDimensions = 16
config.tableDimensions = 16
config.epochs = 150
config.learningRate = 0.02
config.dropout = 0

let trainer = try Trainer(dataset: data, configuration: config)
try trainer.fit { record in
    if record.epoch % 25 == 0 { print("epoch \(record.epoch): loss \(record.loss)") }
}
print("best epoch \(trainer.bestEpoch)")
for (relation, metrics) in trainer.evaluate().sorted(by: { $0.key < $1.key }) {  // per relation, on the test split
    for (name, value) in metrics.sorted(by: { $0.key < $1.key }) { print("test \(relation) \(name): \(value)") }
}
let userEmbeddings = trainer.embeddings()[user]
print("user embeddings: \(userEmbeddings.rows) × \(userEmbeddings.columns); user 0 starts \(userEmbeddings.row(0).prefix(4))")
