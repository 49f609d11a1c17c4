/// A reconstruction loss, averaged over every element of a batch (as Keras does).
public enum Loss: String, Codable, CaseIterable, Sendable {
    /// Mean squared error.
    case mse
    /// Mean absolute error.
    case mae

    /// The loss of one element.
    public func elementLoss(_ difference: Float) -> Float {
        switch self {
        case .mse: return difference * difference
        case .mae: return abs(difference)
        }
    }

    /// Mean loss over `count` elements; writes dLoss/d prediction into `gradient`.
    public func evaluate(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int,
                         gradient: UnsafeMutablePointer<Float>) -> Double {
        let scale = 1 / Float(count)
        var total: Double = 0
        switch self {
        case .mse:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                total += Double(d * d)
                gradient[i] = 2 * d * scale
            }
        case .mae:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                total += Double(abs(d))
                gradient[i] = d > 0 ? scale : (d < 0 ? -scale : 0)
            }
        }
        return total / Double(count)
    }

    /// Mean loss over `count` elements, without a gradient.
    public func value(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, count: Int) -> Double {
        var total: Double = 0
        for i in 0..<count { total += Double(elementLoss(prediction[i] - target[i])) }
        return total / Double(count)
    }
}
