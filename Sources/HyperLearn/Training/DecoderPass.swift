/// A relation decoder's forward pass on any ``TensorOperations``: the one implementation that
/// training (``TrainingEngine``), evaluation and a loaded ``TrainedModel`` share.
enum DecoderPass<Ops: TensorOperations> {
    typealias Tensor = Ops.Tensor

    /// What a perceptron's backward pass needs from its forward pass (the tuple and count decoders).
    struct PerceptronCache {
        var input: Tensor
        /// Each hidden layer's `ReLU(x W + b)` (its backward needs no pre-activation).
        var hidden: [Tensor]
    }

    /// What the attention decoder's backward pass needs from its forward pass (member blocks).
    struct AttentionCache {
        /// `S = tanh(G W_s + b_s)`, `Q`, `K`, `V`, the attention weights and outputs `A`, `D = tanh(A W_o + b_o)`.
        var staticEmbedding: Tensor
        var queries: Tensor
        var keys: Tensor
        var values: Tensor
        var weights: Tensor
        var attended: Tensor
        var dynamicEmbedding: Tensor
        /// `D − S` and its square.
        var difference: Tensor
        var squared: Tensor
    }

    /// The caches of the decoder terms that have a backward pass of their own.
    struct Caches {
        var tuple: PerceptronCache?
        var attention: AttentionCache?
        var counts: PerceptronCache?
        /// The count term's own scores, when asked to keep them (a standalone embedding loss).
        var countScores: Tensor?
    }

    /// `scores ← Σ_j b_{m_j}[i_j] + CP(e) (or μ alone) + MLP(e) + ATT(e) + FM₂(e) + COUNT(e)` for `edges`
    /// hyperedges whose member rows and item biases are in `gathered` and `biases` (member blocks) and
    /// whose count features (``HyperedgeCounts``, `edges × F`) are `counts`. Returns the tuple, attention
    /// and count decoders' caches.
    /// With `keepCountScores`, the count term's own scores are kept in the caches too.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the decoder has a count term and `counts`
    ///   is `nil`.
    @discardableResult
    static func score(_ ops: Ops, _ decoder: RelationDecoder, gathered: Tensor, biases: Tensor, counts: Tensor? = nil,
                      keepCountScores: Bool = false, order p: Int, edges: Int, value: (Parameter) -> Tensor,
                      into scores: inout Tensor) throws -> Caches {
        try ops.zero(&scores)
        try ops.addMemberSums(biases, order: p, to: &scores)
        if !decoder.kind.includesCP {
            try ops.addBias(value(decoder.cp.globalBias), to: &scores)
        } else {
            try ops.addCPScores(gathered, order: p, lambda: value(decoder.cp.weights), mu: value(decoder.cp.globalBias),
                                to: &scores)
        }
        var caches = Caches()
        if let tuple = decoder.tuple {
            // w₂ · ReLU([G₁ | … | G_p] W₁ + b₁) + b₂
            caches.tuple = try perceptron(ops, [tuple.hidden, tuple.output], input: ops.concatenateMembers(gathered, order: p),
                                          rows: edges, value: value, into: &scores)
        }
        if let attention = decoder.attention {
            caches.attention = try attentionScores(ops, attention, gathered: gathered, order: p, edges: edges, value: value,
                                                   into: &scores)
        }
        if let pairwise = decoder.pairwise {
            try ops.addPairwiseScores(gathered, order: p, nu: value(pairwise.weights), to: &scores)
        }
        if let countDecoder = decoder.counts {
            guard let counts else {
                throw HyperLearnError.invalidArgument("the decoder's count term needs the hyperedges' count features")
            }
            if keepCountScores {
                var countScores = try ops.zeros(rows: edges, columns: 1)
                caches.counts = try perceptron(ops, countDecoder.layers, input: counts, rows: edges, value: value, into: &countScores)
                try ops.axpy(1, countScores, &scores)
                caches.countScores = countScores
            } else {
                caches.counts = try perceptron(ops, countDecoder.layers, input: counts, rows: edges, value: value, into: &scores)
            }
        }
        return caches
    }

    /// `scores += MLP(input)` over `rows` rows: ReLU after every layer but the last, whose single output
    /// column adds to `scores`.
    private static func perceptron(_ ops: Ops, _ layers: [Linear], input: Tensor, rows: Int, value: (Parameter) -> Tensor,
                                   into scores: inout Tensor) throws -> PerceptronCache {
        var hidden = [Tensor](), x = input
        for layer in layers.dropLast() {
            var y = try ops.zeros(rows: rows, columns: layer.outputDimensions)
            try ops.gemm(x, value(layer.weight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &y)
            if let bias = layer.bias { try ops.addBias(value(bias), to: &y) }
            try ops.reluDropout(&y, mask: nil)
            hidden.append(y)
            x = y
        }
        let output = layers[layers.count - 1]
        try ops.gemm(x, value(output.weight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &scores)
        if let bias = output.bias { try ops.addBias(value(bias), to: &scores) }
        return PerceptronCache(input: input, hidden: hidden)
    }

    /// Adds `(1/p) Σ_j w · (d_j − s_j)² + b` to `scores` (``AttentionDecoder``).
    private static func attentionScores(_ ops: Ops, _ attention: AttentionDecoder, gathered: Tensor, order p: Int, edges: Int,
                                        value: (Parameter) -> Tensor, into scores: inout Tensor) throws -> AttentionCache {
        let rows = p * edges, a = attention.width
        func dense(_ x: Tensor, _ layer: Linear) throws -> Tensor {
            var y = try ops.zeros(rows: rows, columns: layer.outputDimensions)
            try ops.gemm(x, value(layer.weight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &y)
            if let bias = layer.bias { try ops.addBias(value(bias), to: &y) }
            return y
        }
        let staticEmbedding = try ops.tanh(dense(gathered, attention.staticLayer))
        let queries = try dense(gathered, attention.query), keys = try dense(gathered, attention.key)
        let values = try dense(gathered, attention.value)
        let (attended, weights) = try ops.memberAttention(queries: queries, keys: keys, values: values, order: p,
                                                          heads: attention.heads)
        let dynamicEmbedding = try ops.tanh(dense(attended, attention.dynamicLayer))
        var difference = try ops.zeros(rows: rows, columns: a)
        try ops.axpy(1, dynamicEmbedding, &difference)
        try ops.axpy(-1, staticEmbedding, &difference)
        let squared = try ops.multiply(difference, difference)
        var memberScores = try ops.zeros(rows: rows, columns: 1)
        try ops.gemm(squared, value(attention.output.weight), transposeA: false, transposeB: false, alpha: 1 / Float(p), beta: 0,
                     into: &memberScores)
        try ops.addMemberSums(memberScores, order: p, to: &scores)
        if let bias = attention.output.bias { try ops.addBias(value(bias), to: &scores) }
        return AttentionCache(staticEmbedding: staticEmbedding, queries: queries, keys: keys, values: values, weights: weights,
                              attended: attended, dynamicEmbedding: dynamicEmbedding, difference: difference, squared: squared)
    }

    /// Raw scores of hyperedges (`E × p` members) from embeddings and item biases that live on `ops`,
    /// `modalities[j]` naming the modality of position `j`, and where their count features come from
    /// (for a decoder with a count term); chunks of `chunkSize` bound the memory.
    static func scores(_ ops: Ops, _ decoder: RelationDecoder, members: [Int32], counts: CountFeatureSource?, order p: Int, modalities: [Int],
                       embeddings: [Tensor?], biases: [Tensor?], dimensions d: Int, chunkSize: Int,
                       value: (Parameter) -> Tensor) throws -> [Float] {
        let total = members.count / max(p, 1)
        var result = [Float]()
        result.reserveCapacity(total)
        var start = 0
        while start < total {
            let edges = min(max(1, chunkSize), total - start)
            var gathered = try ops.zeros(rows: p * edges, columns: d), itemBiases = try ops.zeros(rows: p * edges, columns: 1)
            for (j, m) in modalities.enumerated() {
                let column = try ops.upload((start..<(start + edges)).map { members[$0 * p + j] })
                try ops.gatherRows(embeddings[m]!, column, into: &gathered, atRow: j * edges)
                try ops.gatherRows(biases[m]!, column, into: &itemBiases, atRow: j * edges)
            }
            var chunk = try ops.zeros(rows: edges, columns: 1)
            try score(ops, decoder, gathered: gathered, biases: itemBiases,
                      counts: countRows(counts, of: decoder, members: members, start: start, edges: edges, on: ops), order: p, edges: edges,
                      value: value, into: &chunk)
            result.append(contentsOf: try ops.download(chunk).storage)
            start += edges
        }
        return result
    }

    /// The count features of rows `start ..< start + edges` of `members` (row-major `E × p`), for a
    /// decoder that reads them (nil when it has no count term).
    static func countRows(_ counts: CountFeatureSource?, of decoder: RelationDecoder, members: [Int32], start: Int, edges: Int,
                          on ops: Ops) throws -> Tensor? {
        guard let width = decoder.counts?.featureCount, let counts else { return nil }
        guard let table = counts.tables.first, table.parts.count == width, start >= 0, edges >= 0,
              members.count >= (start + edges) * table.order else {
            throw HyperLearnError.invalidArgument("count features of width \(width) for rows \(start)..<\(start + edges) of \(members.count) members")
        }
        return try ops.upload(Matrix(rows: edges, columns: width, uncheckedStorage: counts.rows(members, start: start, count: edges)))
    }
}
