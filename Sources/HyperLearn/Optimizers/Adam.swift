/// Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), with L2 weight decay
/// added to the gradient (`decoupled == false`, PyTorch's `Adam(weight_decay:)`) or decoupled
/// weight decay (AdamW; Loshchilov & Hutter, ICLR 2019).
///
/// Equivalent to, per element: `g += λw` (coupled); `m = β₁m + (1-β₁)g`; `v = β₂v + (1-β₂)g²`;
/// `w -= lr · (m / (1-β₁ᵗ)) / (√(v / (1-β₂ᵗ)) + ε)`; and `w -= lr · λ · w` first when decoupled.
public struct Adam: Sendable, Equatable {
    /// One parameter's first and second moment estimates `m`, `v` (the parameter's shape).
    public struct Moments: Sendable, Equatable {
        public var first: Matrix
        public var second: Matrix

        public init(first: Matrix, second: Matrix) {
            self.first = first
            self.second = second
        }

        /// Zero moments for a parameter of the given shape (before its first update).
        /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when the shape is negative or its element
        ///   count overflows.
        public init(rows: Int, columns: Int) throws {
            try requireShape("Adam.Moments(rows:columns:)", rows: rows, columns: columns)
            self.init(zerosOf: Matrix(rows: rows, columns: columns))
        }

        /// Zero moments of `zeros`' shape (a shape that is already a matrix's).
        init(zerosOf zeros: Matrix) {
            first = zeros
            second = zeros
        }
    }

    public var learningRate: Float
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    public var decoupled: Bool
    /// Steps taken so far (bias correction).
    public private(set) var step: Int = 0
    /// The optimiser's state, keyed by parameter name (a parameter gets zero moments at its first update).
    public internal(set) var moments: [String: Moments] = [:]

    public init(learningRate: Float = 0.01, weightDecay: Float = 0, decoupled: Bool = false) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    /// Counts one step; call once before updating the parameters of that step.
    public mutating func advance() { step += 1 }

    /// The largest step counter a checkpoint may restore.
    public static let maximumStep = Int(Int32.max)

    /// Restores the step counter from a checkpoint.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `step` is outside `0...maximumStep`.
    public mutating func restore(step: Int) throws {
        guard (0...Adam.maximumStep).contains(step) else {
            throw HyperLearnError.invalidArgument("Adam.restore(step:): step \(step) is outside 0...\(Adam.maximumStep)")
        }
        self.step = step
    }

    /// The moments of `parameter` (zero before its first update).
    public func moments(of parameter: Parameter) -> Moments {
        moments[parameter.name] ?? Moments(zerosOf: Matrix(rows: parameter.rows, columns: parameter.columns))
    }

    /// Updates `parameter` from its gradient (call after ``advance()``).
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` before ``advance()`` or when the gradient's
    ///   shape is not the parameter's.
    public mutating func update(_ parameter: Parameter) throws {
        guard step > 0 else { throw HyperLearnError.invalidArgument("Adam.update before advance()") }
        var state = moments(of: parameter)
        moments[parameter.name] = nil  // unique ownership while updating
        try CPUOperations().adamStep(parameter: &parameter.value, gradient: parameter.gradient, firstMoment: &state.first,
                                     secondMoment: &state.second, rule: AdamRule(self))
        moments[parameter.name] = state
    }
}

extension Float {
    static func pow(_ base: Float, _ exponent: Int) -> Float {
        var result: Float = 1
        // Stops once the product underflows to zero (about 10⁵ factors of 0.999), so the bias
        // correction of a late step costs the same as an early one's; the result is unchanged.
        for _ in 0..<max(0, exponent) {
            if result == 0 { break }
            result *= base
        }
        return result
    }
}
