import Dispatch

/// Seconds spent in each phase of the training steps since the last ``reset()``: what `bench`
/// prints to show where an epoch's time goes.
public struct PhaseTimes: Sendable, Equatable, Codable {
    /// Encoders' forward passes (`Z_m` for every modality).
    public var encoderForward = 0.0
    /// Collecting a sampled step's items and sampling their neighbourhoods (``TrainingConfiguration/fanouts``).
    public var neighborSampling = 0.0
    /// Drawing negatives for link relations.
    public var negativeSampling = 0.0
    /// Gathering member rows and biases for the decoder (the rows a sharded step exchanges).
    public var gather = 0.0
    /// Decoder forward, loss and decoder backward.
    public var decoder = 0.0
    /// Scatter-adding the decoder's row gradients into `∂Z_m`.
    public var scatter = 0.0
    /// Smoothness terms and the encoders' backward passes.
    public var encoderBackward = 0.0
    /// Adam updates.
    public var optimizer = 0.0
    /// Training forward passes run per modality index (a frozen modality runs none).
    public var encoderPasses: [Int: Int] = [:]

    public init() {}

    public mutating func reset() { self = PhaseTimes() }

    /// Phase names and seconds, in step order.
    public var phases: [(name: String, seconds: Double)] {
        [("negative sampling", negativeSampling), ("neighbour sampling", neighborSampling), ("encoder forward", encoderForward),
         ("gather/exchange", gather), ("decoder", decoder), ("scatter", scatter), ("encoder backward", encoderBackward), ("optimizer", optimizer)]
    }

    public static func += (lhs: inout PhaseTimes, rhs: PhaseTimes) {
        lhs.encoderForward += rhs.encoderForward
        lhs.neighborSampling += rhs.neighborSampling
        lhs.negativeSampling += rhs.negativeSampling
        lhs.gather += rhs.gather
        lhs.decoder += rhs.decoder
        lhs.scatter += rhs.scatter
        lhs.encoderBackward += rhs.encoderBackward
        lhs.optimizer += rhs.optimizer
        lhs.encoderPasses.merge(rhs.encoderPasses, uniquingKeysWith: +)
    }

    public var total: Double { phases.reduce(0) { $0 + $1.seconds } }
}

/// Runs `body` and adds its wall time to `seconds`.
@inline(__always)
func timed<T>(_ seconds: inout Double, _ body: () throws -> T) rethrows -> T {
    let start = DispatchTime.now().uptimeNanoseconds
    defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    return try body()
}
