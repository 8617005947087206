/// A symmetric propagation operator `P` over the items of one modality, applied as sparse products.
///
/// Encoders compute `P · X` in the forward pass and, because `P` is symmetric, `P · G` again in the
/// backward pass. ``NormalizedAdjacency`` (GCN), ``HypergraphPropagation`` (HGNN) and
/// ``MixedPropagation`` (their average) conform.
public protocol Propagation: Sendable {
    /// Number of items (`P` is `count × count`).
    var count: Int { get }
    /// `y = P · x`, reusing `y`'s storage.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless `x` has `count` rows and `y` is
    ///   `count × x.columns`.
    func apply(_ x: Matrix, into y: inout Matrix) throws
    /// Stored entries touched by one application, for FLOP and bandwidth accounting.
    var nonzeroCount: Int { get }
    /// `P` as weighted sparse products, the form a device computes: `P x = Σ_t w_t · A_t x`, where a
    /// term with a `second` factor is `w_t · S_t (S_tᵀ x)` (`first` is then `S_tᵀ`).
    var terms: [PropagationTerm] { get }
}

/// One sparse product of a ``Propagation``: `weight · first · x`, or `weight · second · (first · x)`.
public struct PropagationTerm: Sendable {
    public var first: SparseMatrix
    public var second: SparseMatrix?
    public var weight: Float
}

extension Propagation {
    /// `P · x` as a new matrix.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless `x` has ``count`` rows.
    public func apply(_ x: Matrix) throws -> Matrix {
        var y = Matrix(rows: count, columns: x.columns)
        try apply(x, into: &y)
        return y
    }

    /// Throws unless `y = P · x` is defined: `x` has `count` rows and `y` is `count × x.columns`.
    func checkApply(_ x: Matrix, into y: Matrix) throws {
        guard x.rows == count, y.rows == count, y.columns == x.columns else {
            throw HyperLearnError.invalidArgument("\(type(of: self)).apply: \(x.rows)×\(x.columns) into \(y.rows)×\(y.columns) over \(count) items")
        }
    }
}

/// GCN propagation `Â = D^{-1/2} (A + I) D^{-1/2}` over a weighted symmetric graph
/// (Kipf & Welling, "Semi-Supervised Classification with Graph Convolutional Networks", ICLR 2017).
public struct NormalizedAdjacency: Propagation {
    /// The normalised operator `Â`, stored (it has the sparsity of `A + I`).
    public let matrix: SparseMatrix

    /// Normalises `adjacency` (which should be symmetric; see ``symmetrized(_:)``).
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `adjacency` is not square.
    public init(adjacency: SparseMatrix) throws { matrix = try gcnNormalization(adjacency) }

    public var count: Int { matrix.rows }
    public var nonzeroCount: Int { matrix.nonzeroCount }
    public var terms: [PropagationTerm] { [PropagationTerm(first: matrix, second: nil, weight: 1)] }
    public func apply(_ x: Matrix, into y: inout Matrix) throws {
        try checkApply(x, into: y)
        matrix.uncheckedMultiply(x, into: &y)
    }
}

/// HGNN propagation `D_v^{-1/2} H W_e D_e^{-1} Hᵀ D_v^{-1/2}` over a hypergraph with incidence `H`
/// (`n × e`) (Feng et al., "Hypergraph Neural Networks", AAAI 2019).
///
/// It is applied as two sparse products with the scaled incidence `S = D_v^{-1/2} H (W_e D_e^{-1})^{1/2}`:
/// `P · X = S (Sᵀ X)`, never as an `n × n` matrix. Each item also gets a singleton hyperedge (the
/// hypergraph analogue of GCN's `+ I`), so an item in no hyperedge keeps its own signal.
public struct HypergraphPropagation: Propagation {
    /// `S`, `n × (e + n)` including the singleton hyperedges.
    public let scaledIncidence: SparseMatrix
    /// `Sᵀ`, kept so that both products are row-parallel CSR products.
    public let scaledIncidenceTransposed: SparseMatrix

    /// - Parameters:
    ///   - incidence: `H`, `n × e`; entry `(v, e)` is the membership weight of item `v` in hyperedge `e`.
    ///   - edgeWeights: `W_e`, one per hyperedge (default 1).
    ///   - selfLoops: add a singleton hyperedge per item.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `edgeWeights` does not hold one finite,
    ///   non-negative weight per hyperedge (column of `incidence`).
    public init(incidence: SparseMatrix, edgeWeights: [Float]? = nil, selfLoops: Bool = true) throws {
        if let edgeWeights {
            guard edgeWeights.count == incidence.columns else {
                throw HyperLearnError.invalidArgument(
                    "HypergraphPropagation: \(edgeWeights.count) edge weights for \(incidence.columns) hyperedges")
            }
            if let bad = edgeWeights.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw HyperLearnError.invalidArgument("HypergraphPropagation: edge weight \(bad) is \(edgeWeights[bad]); weights must be finite and at least 0")
            }
        }
        let n = incidence.rows
        var entries = [(row: Int, column: Int, value: Float)]()
        entries.reserveCapacity(incidence.nonzeroCount + n)
        for v in 0..<n {
            for k in incidence.rowOffsets[v]..<incidence.rowOffsets[v + 1] {
                entries.append((v, Int(incidence.columnIndices[k]), incidence.values[k]))
            }
            if selfLoops { entries.append((v, incidence.columns + v, 1)) }
        }
        let h = SparseMatrix(rows: n, columns: incidence.columns + (selfLoops ? n : 0), uncheckedEntries: entries)
        let weights = (edgeWeights ?? [Float](repeating: 1, count: incidence.columns))
            + [Float](repeating: 1, count: selfLoops ? n : 0)
        // D_e: hyperedge degree (sum of memberships); D_v: vertex degree Σ_e w_e H(v, e).
        var edgeDegree = [Float](repeating: 0, count: h.columns)
        for k in 0..<h.nonzeroCount { edgeDegree[Int(h.columnIndices[k])] += h.values[k] }
        let vertexDegree = h.uncheckedScaled(columns: weights).rowSums
        let left = vertexDegree.map { $0 > 0 ? 1 / $0.squareRoot() : 0 }
        let right = zip(weights, edgeDegree).map { w, d in d > 0 ? (w / d).squareRoot() : 0 }
        scaledIncidence = h.uncheckedScaled(rows: left, columns: right)
        scaledIncidenceTransposed = scaledIncidence.transposed
    }

    public var count: Int { scaledIncidence.rows }
    public var nonzeroCount: Int { 2 * scaledIncidence.nonzeroCount }
    public var terms: [PropagationTerm] {
        [PropagationTerm(first: scaledIncidenceTransposed, second: scaledIncidence, weight: 1)]
    }

    public func apply(_ x: Matrix, into y: inout Matrix) throws {
        try checkApply(x, into: y)
        let edges = scaledIncidenceTransposed.uncheckedMultiply(x)
        scaledIncidence.uncheckedMultiply(edges, into: &y)
    }
}

/// The average of several propagations over the same items (a modality with both a graph and a
/// hypergraph).
public struct MixedPropagation: Propagation {
    public let parts: [any Propagation]

    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `parts` is empty or its propagations
    ///   differ in item count.
    public init(_ parts: [any Propagation]) throws {
        guard let first = parts.first else { throw HyperLearnError.invalidArgument("MixedPropagation: no parts") }
        guard parts.allSatisfy({ $0.count == first.count }) else {
            throw HyperLearnError.invalidArgument("MixedPropagation: parts over \(parts.map(\.count)) items; all must have the same count")
        }
        self.parts = parts
    }

    public var count: Int { parts[0].count }
    public var nonzeroCount: Int { parts.reduce(0) { $0 + $1.nonzeroCount } }
    public var terms: [PropagationTerm] {
        parts.flatMap { part in part.terms.map { term in
            var scaled = term
            scaled.weight *= 1 / Float(parts.count)
            return scaled
        } }
    }

    public func apply(_ x: Matrix, into y: inout Matrix) throws {
        try checkApply(x, into: y)
        try parts[0].apply(x, into: &y)
        for part in parts.dropFirst() { y.uncheckedAdd(try part.apply(x)) }
        y.scale(by: 1 / Float(parts.count))
    }
}
