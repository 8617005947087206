/// A dropout mask defined by a key instead of stored draws: element `i` is kept when
/// `unit(mix(key + i·φ)) ≥ rate`, where `mix` is the SplitMix64 finaliser and `unit` takes the top 24
/// bits as a float in `[0, 1)`.
///
/// Because each element's draw depends only on `(key, i)`, every backend computes the same mask
/// (the CUDA kernel evaluates the same formula per element) and the CPU can fill it in parallel. One
/// key is drawn per layer and step from the encoder's seeded stream.
public struct DropoutMask: Sendable, Equatable {
    public let key: UInt64
    /// The drop probability `p`, in `(0, 1)`.
    public let rate: Float

    public init(key: UInt64, rate: Float) {
        self.key = key
        self.rate = rate
    }

    /// A mask with a fresh key from `generator`, or `nil` when `rate == 0` (nothing is dropped).
    public static func draw(rate: Float, using generator: inout SeededGenerator) -> DropoutMask? {
        rate > 0 ? DropoutMask(key: generator.next(), rate: rate) : nil
    }

    /// The factor of kept elements, `1 / (1 − p)` (inverted dropout).
    public var keepScale: Float { 1 / (1 - rate) }

    /// Whether element `i` is kept.
    @inline(__always)
    public func keeps(_ i: Int) -> Bool {
        var z = key &+ UInt64(truncatingIfNeeded: i) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * (1.0 / Float(1 << 24)) >= rate
    }

    /// The mask's factors for `count` elements: `1/(1−p)` where kept, 0 where dropped.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` when `count` is negative.
    public func factors(count: Int) throws -> [Float] {
        guard count >= 0 else { throw HyperLearnError.invalidArgument("DropoutMask.factors(count:): negative count \(count)") }
        return CPUKernels.dropoutFactors(self, count: count)
    }
}
