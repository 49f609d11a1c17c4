/// One fully connected layer `y = activation(x · W + b)`; `W` is `inputs x outputs`, row-major.
///
/// The layer owns no storage: its weights and bias are slices of the network's single
/// parameter vector (at `weightOffset` and `biasOffset`), so an optimizer step is one loop.
public struct DenseLayer: Codable, Equatable, Sendable {
    /// Width of the input.
    public let inputs: Int
    /// Width of the output.
    public let outputs: Int
    /// Nonlinearity applied to `x · W + b`.
    public let activation: Activation
    /// Where `W` starts in the parameter vector.
    public let weightOffset: Int
    /// Where `b` starts in the parameter vector.
    public let biasOffset: Int

    /// Number of parameters (weights and biases).
    public var parameterCount: Int { inputs * outputs + outputs }

    /// Creates a layer whose parameters start at `offset` in the parameter vector.
    public init(inputs: Int, outputs: Int, activation: Activation, offset: Int) {
        self.inputs = inputs
        self.outputs = outputs
        self.activation = activation
        weightOffset = offset
        biasOffset = offset + inputs * outputs
    }

    /// `y = activation(x · W + b)` for a batch: `x` is `batch x inputs`, `y` is `batch x outputs`.
    public func forward(_ x: UnsafePointer<Float>, batch: Int, parameters: UnsafePointer<Float>,
                        into y: UnsafeMutablePointer<Float>) {
        GEMM.multiply(.none, .none, m: batch, n: outputs, k: inputs,
                      a: x, lda: inputs, b: parameters + weightOffset, ldb: outputs, c: y, ldc: outputs)
        // The bias is added after the product rather than preloaded into `y` for GEMM to add to
        // (beta 1), which cost a copy of the bias per row. Up to 128 inputs (one of OpenBLAS's
        // blocks of the inner dimension) the sum is the same, bit for bit; a wider layer now adds
        // the bias last rather than to its first block's partial sum, which can differ in the
        // last bit.
        let bias = parameters + biasOffset
        for r in 0..<batch {
            let row = y + r * outputs
            for j in 0..<outputs { row[j] += bias[j] }
        }
        activation.apply(y, count: batch * outputs)
    }

    /// Backward pass. On entry `dy` holds dLoss/dy (`batch x outputs`); it is overwritten with
    /// dLoss/d(pre-activation). Writes dLoss/dW and dLoss/db into `gradients`; writes dLoss/dx
    /// into `dx` when it is non-nil (the first layer needs no input gradient).
    public func backward(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
                         batch: Int, parameters: UnsafePointer<Float>, gradients: UnsafeMutablePointer<Float>,
                         dx: UnsafeMutablePointer<Float>?) {
        activation.backpropagate(dy, outputs: y, count: batch * outputs)
        // dW = xᵀ · dz   (inputs x outputs)
        GEMM.multiply(.transposed, .none, m: inputs, n: outputs, k: batch,
                      a: x, lda: inputs, b: dy, ldb: outputs, c: gradients + weightOffset, ldc: outputs)
        // db = column sums of dz
        let db = gradients + biasOffset
        db.update(repeating: 0, count: outputs)
        for r in 0..<batch {
            let row = dy + r * outputs
            for j in 0..<outputs { db[j] += row[j] }
        }
        // dx = dz · Wᵀ   (batch x inputs)
        if let dx {
            GEMM.multiply(.none, .transposed, m: batch, n: inputs, k: outputs,
                          a: dy, lda: outputs, b: parameters + weightOffset, ldb: outputs, c: dx, ldc: inputs)
        }
    }
}
