/// A relation decoder's forward pass on any ``TensorOperations``: the one implementation that
/// training (``TrainingEngine``), evaluation and a loaded ``TrainedModel`` share.
enum DecoderPass<Ops: TensorOperations> {
    typealias Tensor = Ops.Tensor

    /// What the tuple decoder's backward pass needs from its forward pass.
    struct TupleCache {
        var input: Tensor
        var preActivation: Tensor
        var hidden: Tensor
    }

    /// `scores ← Σ_j b_{m_j}[i_j] + CP(e) (or μ alone) + MLP(e) + FM₂(e)` for `edges` hyperedges whose
    /// member rows and item biases are in `gathered` and `biases` (member blocks). Returns the tuple
    /// decoder's cache when it has one.
    static func score(_ ops: Ops, _ decoder: RelationDecoder, gathered: Tensor, biases: Tensor, order p: Int, edges: Int,
                      value: (Parameter) -> Tensor, into scores: inout Tensor) throws -> TupleCache? {
        try ops.zero(&scores)
        try ops.addMemberSums(biases, order: p, to: &scores)
        if decoder.kind == .tuple {
            try ops.addBias(value(decoder.cp.globalBias), to: &scores)
        } else {
            try ops.addCPScores(gathered, order: p, lambda: value(decoder.cp.weights), mu: value(decoder.cp.globalBias),
                                to: &scores)
        }
        var cache: TupleCache?
        if let tuple = decoder.tuple {
            // w₂ · ReLU([G₁ | … | G_p] W₁ + b₁) + b₂
            let input = try ops.concatenateMembers(gathered, order: p)
            var pre = try ops.zeros(rows: edges, columns: tuple.hidden.outputDimensions)
            try ops.gemm(input, value(tuple.hidden.weight), transposeA: false, transposeB: false, alpha: 1, beta: 0, into: &pre)
            if let bias = tuple.hidden.bias { try ops.addBias(value(bias), to: &pre) }
            let hidden = try ops.reluDropout(pre, mask: nil)
            try ops.gemm(hidden, value(tuple.output.weight), transposeA: false, transposeB: false, alpha: 1, beta: 1, into: &scores)
            if let bias = tuple.output.bias { try ops.addBias(value(bias), to: &scores) }
            cache = TupleCache(input: input, preActivation: pre, hidden: hidden)
        }
        if let pairwise = decoder.pairwise {
            try ops.addPairwiseScores(gathered, order: p, nu: value(pairwise.weights), to: &scores)
        }
        return cache
    }

    /// Raw scores of hyperedges (`E × p` members) from embeddings and item biases that live on `ops`,
    /// `member(j)` naming the modality of position `j`; chunks of `chunkSize` bound the memory.
    static func scores(_ ops: Ops, _ decoder: RelationDecoder, members: [Int32], order p: Int, modalities: [Int],
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
            _ = try score(ops, decoder, gathered: gathered, biases: itemBiases, order: p, edges: edges, value: value, into: &chunk)
            result.append(contentsOf: try ops.download(chunk).storage)
            start += edges
        }
        return result
    }
}
