import Foundation

/// An elementwise nonlinearity applied after a dense layer.
///
/// Every derivative here is written in terms of the activation's *output*, so the network
/// keeps one buffer per layer (the outputs) and needs no copy of the pre-activations.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case relu, relu6, elu, selu, sigmoid, tanh, linear

    static let seluAlpha: Float = 1.673_263_2
    static let seluScale: Float = 1.050_701

    /// Applies the activation in place to `count` values.
    public func apply(_ x: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear: return
        case .relu: for i in 0..<count { x[i] = max(x[i], 0) }
        case .relu6: for i in 0..<count { x[i] = min(max(x[i], 0), 6) }
        case .elu: for i in 0..<count where x[i] < 0 { x[i] = Foundation.expm1(x[i]) }
        case .selu:
            for i in 0..<count {
                let v = x[i]
                x[i] = v > 0 ? Self.seluScale * v : Self.seluScale * Self.seluAlpha * Foundation.expm1(v)
            }
        case .sigmoid: for i in 0..<count { x[i] = 1 / (1 + Foundation.exp(-x[i])) }
        case .tanh: for i in 0..<count { x[i] = Foundation.tanh(x[i]) }
        }
    }

    /// Multiplies `gradient` in place by the activation's derivative, given the outputs `y`.
    public func backpropagate(_ gradient: UnsafeMutablePointer<Float>, outputs y: UnsafePointer<Float>, count: Int) {
        switch self {
        case .linear: return
        case .relu: for i in 0..<count where y[i] <= 0 { gradient[i] = 0 }
        case .relu6: for i in 0..<count where y[i] <= 0 || y[i] >= 6 { gradient[i] = 0 }
        case .elu: for i in 0..<count where y[i] < 0 { gradient[i] *= y[i] + 1 }
        case .selu:
            let sa = Self.seluScale * Self.seluAlpha
            for i in 0..<count { gradient[i] *= y[i] > 0 ? Self.seluScale : y[i] + sa }
        case .sigmoid: for i in 0..<count { gradient[i] *= y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<count { gradient[i] *= 1 - y[i] * y[i] }
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
