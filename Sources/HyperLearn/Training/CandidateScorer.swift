/// Scores of every candidate item for the hidden member of many ranking queries at once, as one
/// matrix product against the hidden modality's whole embedding table.
///
/// A CP decoder (with item biases and the optional pairwise term) is linear in each member, so with
/// member `h` hidden and the others fixed, candidate `c` scores
/// `s_q(c) = a_q + b_c + z_c · w_q`, where `w_q = λ ⊙ Π_{j≠h} z_j + ν ⊙ Σ_{j≠h} z_j` and
/// `a_q = μ + Σ_{j≠h} b_j + Σ_{j<l; j,l≠h} ν · (z_j ⊙ z_l)`. For `Q` queries that is `W Zᵀ` (`Q × n`, one
/// sgemm) plus two broadcasts, instead of `Q · n` gathered hyperedges through the decoder. A count term
/// is added exactly by ``CandidateCountScores``. A decoder with a tuple MLP or attention is not linear
/// in a member; it has no scorer and is ranked one query at a time.
struct CandidateScorer: Sendable {
    struct Linear: Sendable {
        var lambda: [Float]
        var mu: Float
        var nu: [Float]?
    }

    /// Every modality's embeddings and item biases (`n × 1`).
    let embeddings: [Matrix]
    let biases: [Matrix]
    /// Per relation: its members' modalities, its decoder's linear form (nil: not linear) and its count
    /// term's scores.
    let members: [[Int]]
    let decoders: [Linear?]
    let counts: [CandidateCountScores?]

    /// - Parameter counted: per relation whose decoder has a count term, the tables its scores read and
    ///   the hyperedge sets they count (``CandidateCountScores``); a relation with a count term and no
    ///   entry has no scorer.
    init(embeddings: [Matrix], biases: [Matrix], members: [[Int]], decoders: [RelationDecoder], value: (Parameter) -> Matrix,
         counted: [(tables: [HyperedgeCounts], sets: [HyperedgeSet])?] = []) {
        self.embeddings = embeddings
        self.biases = biases
        self.members = members
        let counts = decoders.enumerated().map { r, decoder -> CandidateCountScores? in
            guard let term = decoder.counts, r < counted.count, let (tables, sets) = counted[r] else { return nil }
            return CandidateCountScores(tables: tables, counted: sets, sizes: members[r].map { embeddings[$0].rows },
                                        layers: term.layers.map { (value($0.weight), $0.bias.map(value)) })
        }
        self.counts = counts
        self.decoders = decoders.enumerated().map { r, decoder in
            guard decoder.kind == .cp, decoder.counts == nil || counts[r] != nil else { return nil }
            return Linear(lambda: value(decoder.cp.weights).storage, mu: value(decoder.cp.globalBias).storage[0],
                          nu: decoder.pairwise.map { value($0.weights).storage })
        }
    }

    /// Whether relation `r` can be scored this way.
    func isLinear(relation r: Int) -> Bool { decoders[r] != nil }

    /// Row `q` holds every candidate's score for query `q` (`queries[q·p ..< (q+1)·p]`, member `hidden`
    /// replaced); nil when relation `r`'s decoder is not linear.
    func scores(relation r: Int, hidden h: Int, queries: [Int32]) -> Matrix? {
        guard let linear = decoders[r] else { return nil }
        let modalities = members[r], p = modalities.count, count = queries.count / p
        let table = embeddings[modalities[h]], d = table.columns
        var w = Matrix(rows: count, columns: d)
        var offsets = [Float](repeating: linear.mu, count: count)
        for q in 0..<count {
            var product = linear.lambda, sum = [Float](repeating: 0, count: d), pairs: Float = 0
            for j in 0..<p where j != h {
                let m = modalities[j], item = Int(queries[q * p + j])
                offsets[q] += biases[m].storage[item]
                for k in 0..<d {
                    let z = embeddings[m].storage[item * d + k]
                    product[k] *= z
                    if let nu = linear.nu { pairs += nu[k] * sum[k] * z }
                    sum[k] += z
                }
            }
            for k in 0..<d { w.storage[q * d + k] = product[k] + (linear.nu.map { $0[k] * sum[k] } ?? 0) }
            offsets[q] += pairs
        }
        var result = Matrix(rows: count, columns: table.rows)
        result.uncheckedMultiply(w, table, transposeB: true)
        let itemBiases = biases[modalities[h]].storage
        for q in 0..<count {
            for c in 0..<table.rows { result.storage[q * table.rows + c] += offsets[q] + itemBiases[c] }
        }
        counts[r]?.add(to: &result, hidden: h, queries: queries)
        return result
    }
}
