import Foundation
import AEPG
import ArgumentParser
import Learn

extension Activation: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}
extension TrainOn: ExpressibleByArgument {}

/// The training options shared by `aepg train` and `aepg demo`; unset flags keep stored values or defaults.
struct TrainFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Encoder layer widths; the decoder mirrors them (default 16,8).", valueName: "w1,w2,..."))
    var hidden: String?
    @Option(help: "Width of the latent layer (default 3).")
    var latent: Int?
    @Option(help: "Hidden-layer activation: relu, relu6, elu, selu, sigmoid, tanh, linear (default sigmoid).")
    var activation: Activation?
    @Option(help: "adam, rmsprop, sgd (with momentum 0.9), adagrad (default adam).")
    var optimizer: OptimizerKind?
    @Option(name: .customLong("learning-rate"), help: "Optimizer step size (default 0.001).")
    var learningRate: Double?
    @Option(name: .customLong("batch-size"), help: "Rows per optimizer step (default 256; capped at the row count).")
    var batchSize: Int?
    @Option(help: "Maximum passes over the data (default 50).")
    var epochs: Int?
    @Option(help: "Share of rows held out for early stopping; 0 trains on every row (default 0.1).")
    var validation: Double?
    @Option(help: "Epochs without improvement before stopping and restoring the best weights; 0 is off (default 5).")
    var patience: Int?
    @Option(help: "Seed for initialisation, shuffling and k-means (default 42).")
    var seed: UInt64?
    @Option(help: "Number of k-means clusters on the latent vectors (default 4).")
    var clusters: Int?
    @Option(name: .customLong("threshold-sigma"), help: "Flag scores above mean + k·std of training scores (default 3).")
    var thresholdSigma: Double?
    @Option(help: "Instead: flag the top q share of training scores, e.g. 0.01.")
    var contamination: Double?
    @Option(name: .customLong("train-on"), help: "all, or normal: fit only rows whose --label is 0 (default all).")
    var trainOn: TrainOn?

    func validate() throws {
        if thresholdSigma != nil && contamination != nil {
            throw ValidationError("give either --threshold-sigma or --contamination, not both")
        }
        if let hidden, parsedHidden(hidden) == nil {
            throw ValidationError("--hidden takes comma-separated positive widths, e.g. 64,32 (or an empty string for none)")
        }
    }

    private func parsedHidden(_ text: String) -> [Int]? {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        let widths = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return widths.map { $0! }
    }

    /// The flags as options (only those given).
    var options: TrainOptions {
        var o = TrainOptions()
        o.hidden = hidden.flatMap(parsedHidden)
        o.latent = latent
        o.activation = activation
        o.optimizer = optimizer
        o.learningRate = learningRate
        o.batchSize = batchSize
        o.epochs = epochs
        o.validation = validation
        o.patience = patience
        o.seed = seed
        o.clusters = clusters
        o.thresholdSigma = thresholdSigma
        o.contamination = contamination
        o.trainOn = trainOn
        return o
    }
}
