import Learn

/// One training configuration measured by `aepg-bench` (and, with the same names and shapes,
/// by `benchmarks/peers/pytorch_peer.py`).
struct BenchmarkCase {
    var name: String
    var widths: [Int]
    var activations: [Activation]
    var encoderDepth: Int
    var optimizer: OptimizerSettings
    var batchSize: Int
    var rows: Int

    /// (a) The reference fraud network 29-64-32-3-32-29, sigmoid on every layer, RMSprop lr 0.015, batch 32.
    static let fraudBatch32 = BenchmarkCase(
        name: "fraud_sigmoid_rmsprop_b32", widths: [29, 64, 32, 3, 32, 29], activations: Array(repeating: .sigmoid, count: 5),
        encoderDepth: 3, optimizer: OptimizerSettings(kind: .rmsprop, learningRate: 0.015), batchSize: 32, rows: 65_536)

    /// (b) The same widths, ReLU hidden layers (linear latent and output), Adam lr 1e-3, batch 256.
    static let fraudBatch256 = BenchmarkCase(
        name: "fraud_relu_adam_b256", widths: [29, 64, 32, 3, 32, 29], activations: [.relu, .relu, .linear, .relu, .linear],
        encoderDepth: 3, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.001), batchSize: 256, rows: 131_072)

    /// (c) A DEC-size network 64-500-500-2000-10, mirrored decoder, ReLU, Adam, batch 256.
    static let dec = BenchmarkCase(
        name: "dec_relu_adam_b256", widths: [64, 500, 500, 2000, 10, 2000, 500, 500, 64],
        activations: [.relu, .relu, .relu, .linear, .relu, .relu, .relu, .linear],
        encoderDepth: 4, optimizer: OptimizerSettings(kind: .adam, learningRate: 0.001), batchSize: 256, rows: 16_384)

    /// (a') The network `aepg train --hidden 64,32 --latent 3 --optimizer rmsprop --learning-rate 0.015
    /// --batch-size 32` builds for the same data: mirrored 29-64-32-3-32-64-29, sigmoid hidden
    /// layers, linear latent and output (the notebook's shape above cannot be built by aepg train).
    static let aepgFraudBatch32 = BenchmarkCase(
        name: "aepg_fraud_sigmoid_rmsprop_b32", widths: [29, 64, 32, 3, 32, 64, 29],
        activations: [.sigmoid, .sigmoid, .linear, .sigmoid, .sigmoid, .linear],
        encoderDepth: 3, optimizer: OptimizerSettings(kind: .rmsprop, learningRate: 0.015), batchSize: 32, rows: 65_536)

    static let all = [fraudBatch32, aepgFraudBatch32, fraudBatch256, dec]
}
