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

    /// Updates `parameters` in place from `gradients`, eight parameters per step (the buffers'
    /// padding holds zeros, which these rules leave at zero).
    /// - Complexity: O(n) in the number of parameters.
    public func update(parameters: FloatBuffer, gradients: FloatBuffer) {
        step += 1
        let p = Lanes(parameters.pointer), g = Lanes(gradients.pointer), m = Lanes(first.pointer), s = Lanes(second.pointer)
        let vectors = parameters.paddedCount / 8
        let lr = SIMD8(repeating: settings.learningRate), eps = SIMD8(repeating: settings.epsilon)
        switch settings.kind {
        case .sgd:
            let mu = SIMD8(repeating: settings.momentum)
            for v in 0..<vectors {
                let velocity = mu * m[v] - lr * g[v]
                m[v] = velocity
                p[v] += velocity
            }
        case .adam:
            let b1 = settings.beta1, b2 = settings.beta2
            let correction1 = 1 - Float(pow(Double(b1), Double(step)))
            let correction2 = 1 - Float(pow(Double(b2), Double(step)))
            let stepSize = SIMD8(repeating: settings.learningRate * correction2.squareRoot() / correction1)
            let epsHat = SIMD8(repeating: settings.epsilon * correction2.squareRoot())
            let beta1 = SIMD8(repeating: b1), beta2 = SIMD8(repeating: b2)
            let keep1 = SIMD8(repeating: 1 - b1), keep2 = SIMD8(repeating: 1 - b2)
            for v in 0..<vectors {
                let gv = g[v]
                let mv = beta1 * m[v] + keep1 * gv
                let sv = beta2 * s[v] + keep2 * gv * gv
                m[v] = mv
                s[v] = sv
                p[v] -= stepSize * mv / (sv.squareRoot() + epsHat)
            }
        case .rmsprop:
            let rho = SIMD8(repeating: settings.rho), keep = SIMD8(repeating: 1 - settings.rho)
            for v in 0..<vectors {
                let gv = g[v]
                let sv = rho * s[v] + keep * gv * gv
                s[v] = sv
                p[v] -= lr * gv / (sv.squareRoot() + eps)
            }
        case .adagrad:
            for v in 0..<vectors {
                let gv = g[v]
                let sv = s[v] + gv * gv
                s[v] = sv
                p[v] -= lr * gv / (sv.squareRoot() + eps)
            }
        }
    }
}

/// A float pointer read and written eight lanes at a time (unaligned loads and stores).
struct Lanes {
    let base: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutablePointer<Float>) { base = UnsafeMutableRawPointer(pointer) }

    subscript(vector: Int) -> SIMD8<Float> {
        @inline(__always) get { base.loadUnaligned(fromByteOffset: vector * 32, as: SIMD8<Float>.self) }
        @inline(__always) nonmutating set { base.storeBytes(of: newValue, toByteOffset: vector * 32, as: SIMD8<Float>.self) }
    }
}
