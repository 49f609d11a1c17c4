import Foundation

/// A small, fast, deterministic random number generator (SplitMix64).
///
/// Every random choice in aepg (shuffling, initialisation, validation split, k-means seeding)
/// draws from one of these, so the same seed on the same data gives the same model.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// Creates a generator; equal seeds give equal sequences.
    public init(seed: UInt64) {
        state = seed &+ 0x9E37_79B9_7F4A_7C15
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal deviate (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), Double.leastNonzeroMagnitude)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<bound`.
    public mutating func nextIndex(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// `count` of `rows` drawn without replacement (all of them when there are no more), in
    /// ascending order: a seeded subsample read in table order.
    public mutating func sortedSample(_ count: Int, of rows: [Int]) -> [Int] {
        Array(rows.shuffled(using: &self).prefix(count)).sorted()
    }
}
