import Foundation

/// One self-contained HTML page about a trained run: the dataset summary, the test and validation
/// metrics, the training curve, an embedding map per modality, nearest-neighbour tables and the
/// configuration. Figures are inline SVG; the page fetches nothing and runs no script. Every name and
/// label comes from user data and is escaped (``Markup``), so it shows as plain text.
public enum HTMLReport {
    /// Metrics by relation, then split (`test`, `validation`), then metric name.
    public typealias Metrics = [String: [String: [String: Double]]]

    /// The page for `model`.
    /// - Parameters:
    ///   - history: the run's epochs (the training curve); empty for none.
    ///   - metrics: what metrics.json holds per relation.
    ///   - configuration: the run's settings as text (config.yaml).
    ///   - neighborItems: items per modality shown with their nearest neighbours (the most connected).
    ///   - neighbors: neighbours listed per item.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `neighborItems` is negative or `neighbors`
    ///   below 1, or what ``EmbeddingMap/init(_:)`` throws for a modality's embeddings.
    public static func render(_ model: TrainedModel, history: [EpochRecord], metrics: Metrics, configuration: String,
                              neighborItems: Int = 3, neighbors: Int = 5) throws -> String {
        guard neighborItems >= 0, neighbors >= 1 else {
            throw HyperLearnError.invalidArgument("HTMLReport.render: neighborItems \(neighborItems) must be ≥ 0 and neighbors \(neighbors) ≥ 1")
        }
        let structure = model.structure, dataset = model.dataset
        let e = Markup.escaped
        var body = "<h1>\(e(structure.dataset)): trained model</h1>\n"
        body += "<p>Best epoch \(structure.bestEpoch) of \(structure.epochsTrained) trained; embedding dimension \(structure.configuration.dimensions).</p>\n"

        body += "<h2>Dataset</h2>\n<table><tr><th>modality</th><th>items</th><th>labels</th></tr>\n"
        for modality in dataset.modalities {
            body += "<tr><td>\(e(modality.name))</td><td>\(modality.count)</td><td>\(modality.labels == nil ? "no" : "yes")</td></tr>\n"
        }
        body += "</table>\n<table><tr><th>relation</th><th>members</th><th>task</th><th>training hyperedges</th><th>test hyperedges</th></tr>\n"
        for relation in dataset.relations {
            let members = relation.members.map { dataset.modalities[$0].name }.joined(separator: " × ")
            body += "<tr><td>\(e(relation.name))</td><td>\(e(members))</td><td>\(relation.task.rawValue)</td>"
                + "<td>\(relation.train.count)</td><td>\(relation.test?.count ?? 0)</td></tr>\n"
        }
        body += "</table>\n"

        body += "<h2>Metrics</h2>\n<table><tr><th>relation</th><th>split</th><th>metric</th><th>value</th></tr>\n"
        for (relation, splits) in metrics.sorted(by: { $0.key < $1.key }) {
            for (split, values) in splits.sorted(by: { $0.key < $1.key }) {
                for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                    body += "<tr><td>\(e(relation))</td><td>\(e(split))</td><td>\(e(name))</td><td>\(String(format: "%.4f", value))</td></tr>\n"
                }
            }
        }
        body += "</table>\n"

        if !history.isEmpty {
            body += "<h2>Training</h2>\n<figure>\(TrainingCurveSVG.render(history, bestEpoch: structure.bestEpoch, title: "\(structure.dataset): training"))</figure>\n"
        }

        body += "<h2>Embeddings</h2>\n"
        let degrees = itemDegrees(dataset)
        for (m, modality) in dataset.modalities.enumerated() {
            let z = model.embeddings[m]
            body += "<h3>\(e(modality.name))</h3>\n"
            if z.rows >= 2 {
                let map = try EmbeddingMap(z)
                let svg = try map.svg(labels: (0..<modality.count).map(modality.label), title: "\(modality.name) embeddings (PCA)",
                                  colouredBy: EmbeddingMap.colouring(modality.categories))
                body += "<figure>\(svg)</figure>\n"
            }
            // The most connected items: the ones a reader is likeliest to know.
            let shown = (0..<modality.count).sorted { degrees[m][$0] != degrees[m][$1] ? degrees[m][$0] > degrees[m][$1] : $0 < $1 }
                .prefix(z.rows >= 2 ? neighborItems : 0)
            for item in shown {
                let nearest = try NearestNeighbors.of(item, in: z, count: min(neighbors, z.rows - 1))
                body += "<table class=\"neighbors\"><caption>nearest to \(e(modality.label(item)))</caption><tr><th>rank</th><th>item</th><th>cosine</th></tr>\n"
                for (rank, neighbor) in nearest.enumerated() {
                    body += "<tr><td>\(rank + 1)</td><td>\(e(modality.label(neighbor.item)))</td><td>\(String(format: "%.3f", neighbor.similarity))</td></tr>\n"
                }
                body += "</table>\n"
            }
        }

        body += "<h2>Configuration</h2>\n<pre>\(e(configuration))</pre>\n"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(e(structure.dataset)): HyperLearn report</title>
            <style>
            body { font-family: sans-serif; margin: 2em; max-width: 1100px; color: #222; }
            table { border-collapse: collapse; margin: 0.5em 1em 1em 0; display: inline-table; vertical-align: top; }
            th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
            caption { font-weight: bold; text-align: left; }
            figure { margin: 0.5em 0; }
            pre { background: #f6f6f6; padding: 1em; overflow-x: auto; }
            </style></head>
            <body>
            \(body)</body></html>

            """
    }

    /// Per modality, each item's number of training hyperedges over every relation.
    static func itemDegrees(_ dataset: Dataset) -> [[Int]] {
        var degrees = dataset.modalities.map { [Int](repeating: 0, count: $0.count) }
        for relation in dataset.relations {
            let p = relation.order
            for (k, item) in relation.train.members.enumerated() { degrees[relation.members[k % p]][Int(item)] += 1 }
        }
        return degrees
    }
}
