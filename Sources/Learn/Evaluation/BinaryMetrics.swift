/// Quality of anomaly scores against 0/1 labels (1 = anomaly).
public struct BinaryMetrics: Codable, Equatable, Sendable {
    public var rocAUC: Double
    /// Average precision (the area under the precision–recall curve, as scikit-learn computes it).
    public var prAUC: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var truePositives: Int
    public var falsePositives: Int
    public var trueNegatives: Int
    public var falseNegatives: Int

    /// Metrics of `scores` (higher = more anomalous) against `labels`, flagging `score > threshold`.
    ///
    /// Ties in the ranking are handled as scikit-learn does (tied scores share a point on the curves).
    /// - Complexity: O(n log n).
    public static func evaluate(scores: [Double], labels: [Bool], threshold: Double) -> BinaryMetrics {
        precondition(scores.count == labels.count)
        let positives = labels.lazy.filter { $0 }.count
        let negatives = labels.count - positives
        // Highest score first: the keys of the scores' complements sort ascending (RadixSort).
        // Equal scores have equal keys (but -0 and +0), and count as one group below.
        var keys = scores.map { ~($0 == 0 ? 0 : $0).radixKey }, ranked = labels
        RadixSort.sort(&keys, carrying: &ranked)
        var tp = 0, fp = 0
        var previousTP = 0, previousFP = 0
        var rocArea = 0.0, averagePrecision = 0.0
        var i = 0
        while i < keys.count {
            let value = keys[i]
            while i < keys.count && keys[i] == value {
                if ranked[i] { tp += 1 } else { fp += 1 }
                i += 1
            }
            rocArea += Double(fp - previousFP) * Double(tp + previousTP) / 2
            if positives > 0 && tp > previousTP {
                averagePrecision += Double(tp - previousTP) / Double(positives) * Double(tp) / Double(tp + fp)
            }
            previousTP = tp
            previousFP = fp
        }
        var m = BinaryMetrics(rocAUC: .nan, prAUC: .nan, precision: 0, recall: 0, f1: 0,
                              truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0)
        if positives > 0 && negatives > 0 { m.rocAUC = rocArea / (Double(positives) * Double(negatives)) }
        if positives > 0 { m.prAUC = averagePrecision }
        for (s, y) in zip(scores, labels) {
            switch (s > threshold, y) {
            case (true, true): m.truePositives += 1
            case (true, false): m.falsePositives += 1
            case (false, true): m.falseNegatives += 1
            case (false, false): m.trueNegatives += 1
            }
        }
        let flagged = m.truePositives + m.falsePositives
        m.precision = flagged > 0 ? Double(m.truePositives) / Double(flagged) : 0
        m.recall = positives > 0 ? Double(m.truePositives) / Double(positives) : 0
        m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0
        return m
    }
}
