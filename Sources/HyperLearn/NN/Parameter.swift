/// A trainable matrix with its gradient and its optimiser state.
///
/// Layers own their parameters; optimisers update them in place. A class, so that a layer, its
/// optimiser and a checkpoint all see the same storage.
public final class Parameter: @unchecked Sendable, CustomStringConvertible {
    /// A name unique within a model (`"user.layer0.weight"`), used by checkpoints.
    public let name: String
    public var value: Matrix
    /// `∂loss/∂value`, accumulated by backward passes and cleared by ``zeroGradient()``.
    public var gradient: Matrix
    /// Adam's first and second moment estimates.
    var firstMoment: Matrix
    var secondMoment: Matrix

    public init(name: String, value: Matrix) {
        self.name = name
        self.value = value
        gradient = Matrix(rows: value.rows, columns: value.columns)
        firstMoment = gradient
        secondMoment = gradient
    }

    /// A `rows × columns` parameter with independent `N(0, scale²)` entries.
    public convenience init(name: String, rows: Int, columns: Int, normalScale scale: Float,
                            using generator: inout SeededGenerator) {
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = scale * generator.normal() }
        self.init(name: name, value: m)
    }

    /// A `rows × columns` parameter with Glorot-uniform entries (PyTorch's `nn.Linear` uses a close variant).
    public convenience init(name: String, glorotRows rows: Int, columns: Int, using generator: inout SeededGenerator) {
        let bound = (6 / Float(max(rows + columns, 1))).squareRoot()
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = bound * (2 * generator.unitFloat() - 1) }
        self.init(name: name, value: m)
    }

    public func zeroGradient() { gradient.fill(0) }

    /// Number of scalars.
    public var count: Int { value.storage.count }

    public var description: String { "Parameter(\(name), \(value.rows)×\(value.columns))" }
}
