import Foundation

/// The update rules aepg offers; formulas and default constants follow Keras.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    /// Stochastic gradient descent with momentum: `v = μv - ηg; p += v`.
    case sgd
    /// Adam (Kingma & Ba, 2015), with bias correction.
    case adam
    /// RMSprop: `s = ρs + (1-ρ)g²; p -= ηg / (√s + ε)`.
    case rmsprop
    /// Adagrad: `s += g²; p -= ηg / (√s + ε)`, accumulator starting at 0.1.
    case adagrad
}

/// Hyper-parameters of an optimizer.
public struct OptimizerSettings: Codable, Equatable, Sendable {
    public var kind: OptimizerKind
    public var learningRate: Float
    public var momentum: Float = 0.9
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var rho: Float = 0.9
    public var epsilon: Float = 1e-7

    /// Settings with the Keras defaults for everything but the kind and learning rate.
    public init(kind: OptimizerKind, learningRate: Float) {
        self.kind = kind
        self.learningRate = learningRate
    }
}

/// Applies one update rule to a parameter vector, keeping its per-parameter state.
public final class Optimizer {
    /// The settings in force.
    public let settings: OptimizerSettings
    private let first: FloatBuffer   // momentum / Adam m
    private let second: FloatBuffer  // Adam v / RMSprop and Adagrad accumulators
    private var step = 0

    /// An optimizer for `parameterCount` parameters, with zeroed state.
    public init(settings: OptimizerSettings, parameterCount: Int) {
        self.settings = settings
        first = FloatBuffer(count: parameterCount)
        second = FloatBuffer(count: parameterCount, repeating: settings.kind == .adagrad ? 0.1 : 0)
    }

    /// Updates `parameters` in place from `gradients`.
    /// - Complexity: O(n) in the number of parameters.
    public func update(parameters: FloatBuffer, gradients: FloatBuffer) {
        step += 1
        let p = parameters.pointer, g = gradients.pointer, m = first.pointer, s = second.pointer
        let n = parameters.count, lr = settings.learningRate, eps = settings.epsilon
        switch settings.kind {
        case .sgd:
            let mu = settings.momentum
            for i in 0..<n {
                m[i] = mu * m[i] - lr * g[i]
                p[i] += m[i]
            }
        case .adam:
            let b1 = settings.beta1, b2 = settings.beta2
            let correction1 = 1 - Float(pow(Double(b1), Double(step)))
            let correction2 = 1 - Float(pow(Double(b2), Double(step)))
            let stepSize = lr * correction2.squareRoot() / correction1
            let epsHat = eps * correction2.squareRoot()
            for i in 0..<n {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i]
                p[i] -= stepSize * m[i] / (s[i].squareRoot() + epsHat)
            }
        case .rmsprop:
            let rho = settings.rho
            for i in 0..<n {
                s[i] = rho * s[i] + (1 - rho) * g[i] * g[i]
                p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
            }
        case .adagrad:
            for i in 0..<n {
                s[i] += g[i] * g[i]
                p[i] -= lr * g[i] / (s[i].squareRoot() + eps)
            }
        }
    }
}
