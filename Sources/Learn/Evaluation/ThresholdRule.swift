/// How the anomaly threshold is derived from the training rows' scores.
public enum ThresholdRule: Equatable, Sendable {
    /// Flag a score above mean + k · standard deviation (the ECG notebook uses k = 1).
    case sigma(Double)
    /// Flag the top `q` share of the training scores (as BigQuery ML and PyOD's `contamination`).
    case contamination(Double)

    /// The threshold for these training scores; rows score as flagged when `score > threshold`.
    public func threshold(trainingScores scores: [Double]) -> Double {
        precondition(!scores.isEmpty)
        switch self {
        case .sigma(let k):
            let mean = scores.reduce(0, +) / Double(scores.count)
            let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)
            return mean + k * variance.squareRoot()
        case .contamination(let q):
            return Quantile.of(scores, [1 - q])[0]
        }
    }
}
