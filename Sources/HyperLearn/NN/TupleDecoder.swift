/// A non-linear hyperedge score: an MLP over the concatenated member embeddings,
/// `s(e) = w₂ · ReLU([G₁[e] | … | G_p[e]] W₁ + b₁) + b₂` (docs/method.md; the "tuple-wise" similarity of
/// DHNE, Tu et al., AAAI 2018). It can score hyperedges that are not products of pairwise affinities.
///
/// Shapes: `W₁` is `(p·d) × hidden`, `w₂` is `hidden × 1`. Its parameters are small and, in sharded
/// training, replicated: every shard sees the same gathered rows and computes the same update.
public struct TupleDecoder: Sendable, CustomStringConvertible {
    public let hidden: Linear
    public let output: Linear

    public init(order: Int, dimensions: Int, hiddenDimensions: Int, name: String = "tuple",
                using generator: inout SeededGenerator) {
        hidden = Linear(order * dimensions, hiddenDimensions, name: "\(name).hidden", using: &generator)
        output = Linear(hiddenDimensions, 1, name: "\(name).output", using: &generator)
    }

    public var parameters: [Parameter] { hidden.parameters + output.parameters }

    private func concatenated(_ gathered: GatheredRows, count: Int) -> Matrix {
        let d = gathered.dimensions, p = gathered.order, block = gathered.capacity * d
        var input = Matrix(rows: count, columns: p * d)
        for e in 0..<count {
            for j in 0..<p {
                for k in 0..<d { input.storage[e * p * d + j * d + k] = gathered.rows.storage[j * block + e * d + k] }
            }
        }
        return input
    }

    /// Adds the MLP score of the first `count` hyperedges to `scores`.
    public func forward(_ gathered: GatheredRows, count: Int, addingTo scores: inout [Float]) {
        let h = ReLUDropout.forward(hidden(concatenated(gathered, count: count)), mask: nil)
        let s = output(h)
        for e in 0..<count { scores[e] += s.storage[e] }
    }

    /// Accumulates the MLP's gradients and adds `∂G_j` to block `j` of `gatheredGradients`.
    public func backward(_ gathered: GatheredRows, count: Int, scoreGradient g: [Float], gatheredGradients: inout GatheredRows) {
        let input = concatenated(gathered, count: count)
        let pre = hidden(input)
        let h = ReLUDropout.forward(pre, mask: nil)
        let ds = Matrix(rows: count, columns: 1, uncheckedStorage: Array(g[0..<count]))
        let dh = output.backward(input: h, outputGradient: ds)!
        let dpre = ReLUDropout.backward(preActivation: pre, outputGradient: dh, mask: nil)
        let dinput = hidden.backward(input: input, outputGradient: dpre)!
        let d = gathered.dimensions, p = gathered.order, block = gathered.capacity * d
        for e in 0..<count {
            for j in 0..<p {
                for k in 0..<d { gatheredGradients.rows.storage[j * block + e * d + k] += dinput.storage[e * p * d + j * d + k] }
            }
        }
    }

    public var description: String { "TupleDecoder(\(hidden.inputDimensions) → \(hidden.outputDimensions) → 1)" }
}
