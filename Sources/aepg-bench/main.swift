import Foundation
import Learn

// aepg-bench: training and scoring throughput in memory, printed as one JSON object per line.
// Figures only, never assertions; run with `swift run -c release aepg-bench [--quick]`.
// `aepg-bench kmeans FILE LABEL K` is the raw-feature k-means baseline of benchmarks/clustering.sh.

BLASKernels.restartWithSuitedKernelsIfNeeded()
if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == "kmeans" {
    try runRawKMeans(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}

let quick = CommandLine.arguments.contains("--quick")
let measuredEpochs = quick ? 2 : 5

/// Standard-normal data from the seeded generator.
func randomData(rows: Int, columns: Int, seed: UInt64) -> Matrix {
    var random = SeededRandom(seed: seed)
    return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in Float(random.nextGaussian()) })
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])  // only numbers and strings
    // One unbuffered write per line, so a reader of the pipe sees each figure at once.
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

// 1. Training throughput: one warm-up epoch, then the median of the measured epochs.
for bench in BenchmarkCase.all {
    let rows = quick ? bench.rows / 8 : bench.rows
    let data = randomData(rows: rows, columns: bench.widths[0], seed: 1)
    let network = Network(widths: bench.widths, activations: bench.activations, encoderDepth: bench.encoderDepth, seed: 1)
    let settings = TrainingSettings(epochs: 1 + measuredEpochs, batchSize: bench.batchSize, optimizer: bench.optimizer,
                                    loss: .mse, validationFraction: 0, patience: 0, seed: 1)
    let history = try Trainer.fit(network, data: data, settings: settings)
    let rates = history.epochs.dropFirst().map(\.samplesPerSecond)
    emit(["bench": bench.name, "metric": "train_samples_per_s", "value": median(rates), "rows": rows, "batch": bench.batchSize])
}

// 2. Scoring throughput: forward pass, per-row error, top-3 features and nearest of 4 centroids.
do {
    let rows = quick ? 32_768 : 262_144
    let bench = BenchmarkCase.fraudBatch32
    let data = randomData(rows: rows, columns: 29, seed: 2)
    let network = Network(widths: bench.widths, activations: bench.activations, encoderDepth: bench.encoderDepth, seed: 1)
    let centroids = randomData(rows: 4, columns: 3, seed: 3)
    let scorer = ReconstructionScorer(network: network, loss: .mse)
    var rates: [Double] = []
    var checksum = 0.0
    for _ in 0..<(1 + measuredEpochs) {
        let start = DispatchTime.now().uptimeNanoseconds
        centroids.storage.withUnsafeBufferPointer { c in
            scorer.scoreAll(data) { _, count in
                for r in 0..<count {
                    let (cluster, _) = KMeans.nearest(scorer.latent + r * 3, centroids: c.baseAddress!, k: 4, dimensions: 3)
                    checksum += scorer.scores[r] + Double(cluster)
                }
            }
        }
        rates.append(Double(rows) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
    }
    emit(["bench": "score_fraud_net", "metric": "score_rows_per_s", "value": median(Array(rates.dropFirst())), "rows": rows,
          "checksum": checksum])
}
