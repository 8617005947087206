import Foundation

/// Seeded synthetic datasets with planted structure, for tests and benchmarks.
///
/// Each item of modality `m` sits at an angle `θ_i` on a circle; the modality's graph joins each item
/// to its `graphNeighbors` nearest items by angle (a ring lattice, built by sorting in `O(n log n)`,
/// so it scales to millions of items). The planted factors are smooth on that graph:
/// `U_m[i, k] = cos(f_k θ_i + φ_{m,k})` with small frequencies `f_k`, so neighbouring items have
/// similar factors. A hyperedge's planted value is `Σ_k Π_j U_{m_j}[i_j, k]`, scaled to unit variance.
public struct SyntheticData: Sendable {
    public var modalities: Int
    public var items: Int
    public var order: Int
    public var rank: Int = 4
    public var graphNeighbors: Int = 10
    /// Zipf exponent of item popularity (0: uniform).
    public var popularityExponent: Double = 0
    public var seed: UInt64 = 0

    public init(modalities: Int, items: Int, order: Int) {
        self.modalities = modalities
        self.items = items
        self.order = order
    }

    /// Angles of each modality's items.
    func angles(_ generator: inout SeededGenerator) -> [[Double]] {
        (0..<modalities).map { _ in (0..<items).map { _ in Double(generator.unitFloat()) * 2 * Double.pi } }
    }

    /// Throws unless the sizes describe a dataset that can be drawn.
    func checkSizes(_ function: String) throws {
        guard modalities >= 1, items >= 1, order >= 1, rank >= 1, graphNeighbors >= 0,
              !items.multipliedReportingOverflow(by: rank).overflow else {
            throw HyperLearnError.invalidArgument(
                "\(function): modalities \(modalities), items \(items), order \(order), rank \(rank) must be at least 1"
                + " and graphNeighbors \(graphNeighbors) at least 0, with items × rank an Int")
        }
        guard popularityExponent.isFinite && popularityExponent >= 0 else {
            throw HyperLearnError.invalidArgument("\(function): popularityExponent \(popularityExponent) must be finite and at least 0")
        }
    }

    /// The planted factors (items × rank per modality) and the graphs.
    ///
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `modalities`, `items`, `order` or `rank` is
    ///   below 1, or `graphNeighbors` or `popularityExponent` is negative.
    public func structure() throws -> (factors: [Matrix], graphs: [SparseMatrix]) {
        try checkSizes("SyntheticData.structure")
        var generator = SeededGenerator(seed: seed)
        let theta = angles(&generator)
        let frequencies = (0..<rank).map { 1 + Double($0 % 3) }
        var factors = [Matrix]()
        var graphs = [SparseMatrix]()
        for m in 0..<modalities {
            let phases = (0..<rank).map { _ in Double(generator.unitFloat()) * 2 * Double.pi }
            var u = Matrix(rows: items, columns: rank)
            for i in 0..<items {
                for k in 0..<rank { u[i, k] = Float(cos(frequencies[k] * theta[m][i] + phases[k])) }
            }
            factors.append(u)
            let order = (0..<items).sorted { theta[m][$0] < theta[m][$1] }
            var entries = [(row: Int, column: Int, value: Float)]()
            let half = max(1, graphNeighbors / 2)
            for (position, i) in order.enumerated() {
                for step in 1...half where items > 1 {
                    let j = order[(position + step) % items]
                    if j != i { entries.append((i, j, 1)); entries.append((j, i, 1)) }
                }
            }
            var graph = SparseMatrix(rows: items, columns: items, uncheckedEntries: entries)
            for k in 0..<graph.values.count { graph.values[k] = 1 }
            graphs.append(graph)
        }
        return (factors, graphs)
    }

    /// Planted value of one hyperedge whose position `j` belongs to modality `members[j]`.
    static func plantedValue(_ tuple: [Int32], members: [Int], factors: [Matrix]) -> Float {
        let rank = factors[0].columns
        var sum: Float = 0
        for k in 0..<rank {
            var product: Float = 1
            for (j, item) in tuple.enumerated() { product *= factors[members[j]][Int(item), k] }
            sum += product
        }
        // Each product of `order` cosines has variance 2^-order; rescale the sum to unit variance.
        return sum / (Float(rank) * Float.pow(0.5, tuple.count)).squareRoot()
    }

    /// `count` hyperedges over modalities `0 ..< order` (popularity-weighted draws).
    /// - Parameter preferStructure: draw `4` candidates per hyperedge and keep the one with the
    ///   highest planted value (unvalued relations: the planted structure decides what is observed).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the sizes are invalid (see ``structure()``),
    ///   `count` is negative, `noise` is not finite, or `factors` are not the `items × rank` matrices of
    ///   ``structure()`` (one per modality, all with the same number of columns).
    public func hyperedges(count: Int, factors: [Matrix], preferStructure: Bool, noise: Float = 0,
                           seed extraSeed: UInt64 = 1) throws -> HyperedgeSet {
        let function = "SyntheticData.hyperedges"
        try checkSizes(function)
        guard count >= 0, !count.multipliedReportingOverflow(by: order).overflow, noise.isFinite else {
            throw HyperLearnError.invalidArgument("\(function): count \(count) must be at least 0 with count × order an Int, and noise \(noise) finite")
        }
        guard factors.count == modalities,
              factors.allSatisfy({ $0.rows == items && $0.columns == factors[0].columns && $0.columns >= 1 }) else {
            let shapes = factors.map { "\($0.rows)×\($0.columns)" }.joined(separator: ", ")
            throw HyperLearnError.invalidArgument(
                "\(function): factors [\(shapes)], expected \(modalities) matrices of \(items) rows and one common column count ≥ 1")
        }
        var generator = SeededGenerator(seed: seed &+ extraSeed &* 0x9E37_79B9)
        let members = Array(0..<order).map { $0 % modalities }
        // Zipf popularity through inverse-CDF sampling over a shuffled rank order.
        var cumulative = [Double]()
        if popularityExponent > 0 {
            var total = 0.0
            cumulative = (0..<items).map { r in total += 1 / pow(Double(r + 1), popularityExponent); return total }
            cumulative = cumulative.map { $0 / total }
        }
        let permutations = (0..<modalities).map { _ -> [Int] in
            var p = Array(0..<items)
            p.shuffle(using: &generator)
            return p
        }
        func draw(_ m: Int) -> Int32 {
            guard popularityExponent > 0 else { return Int32(generator.index(below: items)) }
            let u = Double(generator.unitFloat())
            var low = 0, high = items - 1
            while low < high { let mid = (low + high) / 2; if cumulative[mid] < u { low = mid + 1 } else { high = mid } }
            return Int32(permutations[m][low])
        }
        var flat = [Int32]()
        flat.reserveCapacity(count * order)
        var values = [Float]()
        var tuple = [Int32](repeating: 0, count: order)
        for _ in 0..<count {
            var best = [Int32](), bestValue = -Float.infinity
            for _ in 0..<(preferStructure ? 4 : 1) {
                for j in 0..<order { tuple[j] = draw(members[j]) }
                let value = SyntheticData.plantedValue(tuple, members: members, factors: factors)
                if value > bestValue { bestValue = value; best = tuple }
            }
            flat.append(contentsOf: best)
            values.append(bestValue + noise * generator.normal())
        }
        return HyperedgeSet(order: order, uncheckedMembers: flat, values: preferStructure ? nil : values)
    }
}
