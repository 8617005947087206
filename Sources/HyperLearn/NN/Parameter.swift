/// A trainable matrix with its gradient.
///
/// Layers own their parameters; the optimiser keeps its own state (``Adam/moments``) by parameter
/// name. A class, so that a layer, the optimiser and a checkpoint all see the same storage.
public final class Parameter: @unchecked Sendable, CustomStringConvertible {
    /// A name unique within a model (`"user.layer0.weight"`), used by checkpoints.
    public let name: String
    /// The shape, fixed at creation (``value`` keeps it, except while an engine holds the storage).
    public let rows: Int
    public let columns: Int
    public var value: Matrix
    /// `∂loss/∂value`, accumulated by backward passes and cleared by ``zeroGradient()``.
    public var gradient: Matrix

    public init(name: String, value: Matrix) {
        self.name = name
        rows = value.rows
        columns = value.columns
        self.value = value
        gradient = Matrix(rows: value.rows, columns: value.columns)
    }

    /// A `rows × columns` parameter with independent `N(0, scale²)` entries.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative or overflows.
    public convenience init(name: String, rows: Int, columns: Int, normalScale scale: Float,
                            using generator: inout SeededGenerator) throws {
        try requireShape("Parameter(name:rows:columns:normalScale:) '\(name)'", rows: rows, columns: columns)
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = scale * generator.normal() }
        self.init(name: name, value: m)
    }

    /// A `rows × columns` parameter with Glorot-uniform entries (PyTorch's `nn.Linear` uses a close variant).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative or overflows.
    public convenience init(name: String, glorotRows rows: Int, columns: Int, using generator: inout SeededGenerator) throws {
        try requireShape("Parameter(name:glorotRows:columns:) '\(name)'", rows: rows, columns: columns)
        let bound = (6 / Float(max(rows + columns, 1))).squareRoot()
        var m = Matrix(rows: rows, columns: columns)
        for i in 0..<m.storage.count { m.storage[i] = bound * (2 * generator.unitFloat() - 1) }
        self.init(name: name, value: m)
    }

    public func zeroGradient() {
        if gradient.rows != rows || gradient.columns != columns { gradient = Matrix(rows: rows, columns: columns) } else { gradient.fill(0) }
    }

    /// Number of scalars.
    public var count: Int { rows * columns }

    /// Lets go of the host storage while a ``TrainingEngine`` holds the parameter (so that on the CPU
    /// the engine updates it in place rather than copying it); ``Trainer`` puts the values back.
    func releaseStorage() {
        let empty = Matrix(rows: 0, columns: 0)
        value = empty
        gradient = empty
    }

    public var description: String { "Parameter(\(name), \(value.rows)×\(value.columns))" }
}
