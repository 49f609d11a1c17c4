/// An elementwise nonlinearity applied after a dense layer.
///
/// Every derivative here is written in terms of the activation's *output*, so the network
/// keeps one buffer per layer (the outputs) and needs no copy of the pre-activations.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case relu, relu6, elu, selu, sigmoid, tanh, linear

    static let seluAlpha: Float = 1.673_263_2
    static let seluScale: Float = 1.050_701

    /// Applies the activation in place to `count` values (exponentials eight at a time, see `VectorMath`).
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear: return
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .relu6: for i in 0..<count { x[i] = min(max(x[i], 0), 6) }
        case .elu:
            VectorMath.map(x, count: count) { v in v.replacing(with: VectorMath.exp(v) - 1, where: v .< 0) }
        case .selu:
            let scale = Self.seluScale, scaledAlpha = Self.seluScale * Self.seluAlpha
            VectorMath.map(x, count: count) { v in
                (v * scale).replacing(with: scaledAlpha * (VectorMath.exp(v) - 1), where: v .<= 0)
            }
        case .sigmoid:
            VectorMath.map(x, count: count) { v in 1 / (1 + VectorMath.exp(-v)) }
        case .tanh:
            // tanh(v) = 1 - 2 / (e^{2v} + 1); exp saturates instead of overflowing, so ±1 at the ends.
            VectorMath.map(x, count: count) { v in 1 - 2 / (VectorMath.exp(2 * v) + 1) }
        }
    }

    /// Multiplies `gradient` in place by the activation's derivative, given the outputs `y`.
    public func backpropagate(_ gradient: UnsafeMutablePointer<Float>, outputs y: UnsafePointer<Float>, count: Int) {
        let zero = SIMD8<Float>(repeating: 0)
        switch self {
        case .linear: return
        case .relu:
            VectorMath.update(gradient, with: y, count: count) { g, y in g.replacing(with: zero, where: y .<= 0) }
        case .relu6:
            VectorMath.update(gradient, with: y, count: count) { g, y in g.replacing(with: zero, where: (y .<= 0) .| (y .>= 6)) }
        case .elu:
            VectorMath.update(gradient, with: y, count: count) { g, y in g.replacing(with: g * (y + 1), where: y .< 0) }
        case .selu:
            let scale = SIMD8(repeating: Self.seluScale), scaledAlpha = SIMD8(repeating: Self.seluScale * Self.seluAlpha)
            VectorMath.update(gradient, with: y, count: count) { g, y in
                g * scale.replacing(with: y + scaledAlpha, where: y .<= 0)
            }
        case .sigmoid:
            VectorMath.update(gradient, with: y, count: count) { g, y in g * (y * (1 - y)) }
        case .tanh:
            VectorMath.update(gradient, with: y, count: count) { g, y in g * (1 - y * y) }
        }
    }

    /// Scale of the initial weights suited to this activation (He for the ReLU family,
    /// LeCun for SELU, Glorot for the saturating ones).
    public func initialScale(fanIn: Int, fanOut: Int) -> Double {
        switch self {
        case .relu, .relu6, .elu: return (2.0 / Double(fanIn)).squareRoot()
        case .selu: return (1.0 / Double(fanIn)).squareRoot()
        case .sigmoid, .tanh, .linear: return (2.0 / Double(fanIn + fanOut)).squareRoot()
        }
    }
}
