import Foundation

/// A seeded, portable random number generator (xoshiro256**, seeded through SplitMix64).
///
/// Every random choice in HyperLearn (initialisation, dropout, negatives, splits, shuffles) draws from
/// one of these, so the same seed gives the same numbers on every machine.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = [splitMix(), splitMix(), splitMix(), splitMix()]
    }

    /// Restores a generator from a saved ``state``.
    /// - Throws: ``HyperLearnError/invalidArgument(_:)`` unless ``isValidState(_:)`` accepts `state`.
    public init(state: [UInt64]) throws {
        guard Self.isValidState(state) else {
            throw HyperLearnError.invalidArgument("SeededGenerator(state:): a state is 4 words, not all zero; got \(state)")
        }
        self.state = state
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Decodes a saved ``state``; a decoded state is checked as ``init(state:)`` checks one.
    public init(from decoder: Decoder) throws {
        try self.init(state: decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state))
    }

    /// Whether `state` can drive the generator: exactly 4 words, not all zero (xoshiro's one fixed
    /// point, from which it would return zeros forever).
    public static func isValidState(_ state: [UInt64]) -> Bool {
        state.count == 4 && state.contains { $0 != 0 }
    }

    public mutating func next() -> UInt64 {
        let result = rotate(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotate(state[3], 45)
        return result
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform index in `0 ..< bound` (Lemire's multiply-shift; bias below 2⁻³² for our sizes).
    ///
    /// - Precondition: `bound >= 0` (like `Int.random(in:)`'s range: every draw of the hot loops comes
    ///   through here, and their bounds are counts).
    public mutating func index(below bound: Int) -> Int {
        Int((UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(bound)) >> 32)
    }

    /// A uniform float in `[0, 1)`.
    public mutating func unitFloat() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// A standard normal draw (Box–Muller).
    public mutating func normal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / Double(1 << 53)), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A child generator for an independent stream (for example one per modality).
    public mutating func split() -> SeededGenerator { SeededGenerator(seed: next()) }
}

