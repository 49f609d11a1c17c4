import AEPG
import Foundation
import Learn

/// The lines `aepg train` prints when a version is published.
struct TrainReport {
    let summary: TrainSummary

    var text: String {
        let s = summary
        var lines = ["trained \(s.model) version \(s.version) on \(s.history.trainingRows + s.history.validationRows) of \(s.rows) rows"
                     + " (\(s.features.count) features, best epoch \(s.history.bestEpoch) of \(s.history.epochs.count))"]
        lines.append("threshold \(String(format: "%.6g", s.threshold)) (\(s.options.thresholdRuleText)): \(s.flaggedRows) rows flagged")
        lines.append("clusters: " + s.clusterSizes.enumerated().map { "\($0.offset): \($0.element)" }.joined(separator: ", "))
        if let m = s.metrics {
            lines.append(String(format: "against the label: ROC-AUC %.4f  PR-AUC %.4f  precision %.4f  recall %.4f",
                                m.rocAUC, m.prAUC, m.precision, m.recall))
        }
        if let c = s.clustering {
            lines.append(String(format: "clusters against the label (%d classes): accuracy %.4f  NMI %.4f  ARI %.4f",
                                c.classes, c.accuracy, c.nmi, c.ari))
        }
        let stages = s.stages.map { String(format: "%@ %.2f s", $0.name, $0.seconds) }.joined(separator: ", ")
        let memory = ProcessStats.peakResidentBytes.map { String(format: "; peak memory %.0f MiB", Double($0) / 1_048_576) } ?? ""
        lines.append(String(format: "%.2f s in all: ", s.seconds) + stages + memory)
        if let previous = s.previousVersion {
            lines.append("version \(s.version) is active (was \(previous)); roll back with SELECT aepg.activate('\(s.model)', \(previous));")
        }
        return lines.joined(separator: "\n")
    }
}
