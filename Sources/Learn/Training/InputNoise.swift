/// How a denoising autoencoder corrupts its training input (the target stays clean).
public enum InputNoise: Equatable, Sendable, CustomStringConvertible, Codable {
    /// Adds N(0, σ²) to every element.
    case gaussian(Float)
    /// Sets each element to 0 with this probability ("masking noise", Vincent et al., 2008);
    /// 0 is the training mean of a standardized column.
    case mask(Float)

    /// Parses `gaussian:0.2` or `mask:0.2`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let level = Float(parts[1]), level.isFinite, level >= 0 else { return nil }
        switch parts[0] {
        case "gaussian": self = .gaussian(level)
        case "mask" where level < 1: self = .mask(level)
        default: return nil
        }
    }

    /// `gaussian:0.2` or `mask:0.2`.
    public var description: String {
        switch self {
        case .gaussian(let sigma): return "gaussian:\(sigma)"
        case .mask(let share): return "mask:\(share)"
        }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let noise = InputNoise(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad noise \(text)"))
        }
        self = noise
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Writes a corrupted copy of `count` elements of `clean` into `noisy`.
    public func corrupt(_ clean: UnsafePointer<Float>, into noisy: UnsafeMutablePointer<Float>, count: Int,
                        random: inout SeededRandom) {
        switch self {
        case .gaussian(let sigma):
            for i in 0..<count { noisy[i] = clean[i] + sigma * Float(random.nextGaussian()) }
        case .mask(let share):
            for i in 0..<count { noisy[i] = random.nextUnit() < Double(share) ? 0 : clean[i] }
        }
    }
}
