import Foundation

/// Renders a `ReportData` as one self-contained HTML page: inline CSS and SVG, no scripts, no
/// external resources, so it can be mailed, archived or opened offline.
public struct HTMLReport {
    public var data: ReportData

    public init(data: ReportData) { self.data = data }

    /// The page.
    public var html: String {
        let d = data
        let o = d.options
        let kind = o.kind.rawValue + (o.l1Activity > 0 ? " (sparse)" : "")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>aepg report: \(esc(d.model)) version \(d.version)</title>
            <style>
            body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
            h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 0.5em 0; } td, th { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; }
            th { background: #f6f6f6; } td:first-child, th:first-child { text-align: left; }
            svg { font: 11px system-ui, sans-serif; background: #fff; border: 1px solid #eee; }
            .meta { color: #555; } .note { color: #666; font-size: 0.9em; } .wide { overflow-x: auto; }
            </style>
            </head>
            <body>
            <h1>\(esc(d.model)) <span class="meta">version \(d.version)</span></h1>
            <p class="meta">\(esc(d.source)) · \(d.rows) rows · \(d.features.count) features · trained \(esc(d.trainedAt))<br>
            \(esc(kind)) autoencoder, hidden \(o.hidden.map(String.init).joined(separator: ",")), latent \(o.latent), \(o.activation.rawValue),
            \(o.optimizer.rawValue) \(o.learningRate), loss \(o.loss.rawValue), scale \(o.scale.rawValue), clustering \(o.cluster.rawValue) (\(o.clusters))<br>
            threshold \(SVGChart.number(d.threshold)) (\(esc(d.thresholdRule)))</p>

            <h2>Training</h2>
            \(lossChart)
            <p class="note">Mean loss per epoch; the training loss includes the regularisation terms (KL, penalties), the validation loss is the plain reconstruction.</p>
            <h2>Scores</h2>
            \(histogramChart)
            <p class="note">Reconstruction error per row, log scale; rows right of the threshold are flagged.</p>
            <h2>Latent space</h2>
            \(latentChart)
            <p class="note">\(d.latent.count) rows\(d.latent.count >= 2000 ? " (a sample)" : "") coloured by cluster\(d.label != nil ? "; crosses are rows labelled anomalous by \(esc(d.label!))" : "").</p>
            <h2>Clusters</h2>
            <div class="wide">\(table(columns: d.clusterProfile.columns, rows: d.clusterProfile.rows, id: "cluster-profile"))</div>
            <h2>Evaluation</h2>
            \(evaluationTable)
            </body>
            </html>
            """
    }

    private func esc(_ text: String) -> String { SVGChart.escape(text) }

    private var lossChart: String {
        var chart = SVGChart(id: "loss-chart")
        let epochs = data.epochs
        guard !epochs.isEmpty else { return "<p>No loss history.</p>" }
        let values = epochs.map(\.training) + epochs.compactMap(\.validation)
        let x = chart.xScale(1, Double(max(epochs.count, 2)))
        let y = chart.yScale(0, (values.max() ?? 1) * 1.05)
        chart.axes(x: x, y: y, xTitle: "epoch", yTitle: "loss")
        chart.polyline(epochs.map { (Double($0.epoch), $0.training) }, x: x, y: y, color: SVGChart.color(0))
        var legend = [("training", SVGChart.color(0))]
        let validation = epochs.compactMap { e in e.validation.map { (Double(e.epoch), $0) } }
        if !validation.isEmpty {
            chart.polyline(validation, x: x, y: y, color: SVGChart.color(1), dashed: true)
            legend.append(("validation", SVGChart.color(1)))
        }
        chart.legend(legend.map { (label: $0.0, color: $0.1) })
        return chart.svg
    }

    private var histogramChart: String {
        let h = data.histogram
        var chart = SVGChart(id: "score-histogram", legend: h.counts.count > 1)
        let width = (h.high - h.low) / Double(max(h.bins, 1))
        let x = chart.xScale(h.low, max(h.high, log10(max(data.threshold, 1e-12)) + width))
        let groups = h.counts.keys.sorted { $0 == "anomaly" ? false : ($1 == "anomaly" ? true : $0 < $1) }
        let largest = h.counts.values.flatMap { $0 }.max() ?? 1
        let y = chart.yScale(0, Double(largest) * 1.08)
        chart.axes(x: x, y: y, xTitle: "score (log scale)", yTitle: "rows", xFormat: { SVGChart.number(pow(10, $0)) })
        for (g, group) in groups.enumerated() {
            let color = group == "anomaly" ? "#D55E00" : SVGChart.color(g == 0 ? 0 : 4)
            for (b, count) in (h.counts[group] ?? []).enumerated() {
                chart.bar(h.low + Double(b) * width, h.low + Double(b + 1) * width, Double(count), x: x, y: y, color: color,
                          opacity: group == "anomaly" ? 0.85 : 0.6)
            }
        }
        chart.marker(at: log10(max(data.threshold, 1e-12)), x: x, caption: "threshold")
        if groups.count > 1 {
            chart.legend(groups.enumerated().map { (label: $0.element, color: $0.element == "anomaly" ? "#D55E00" : SVGChart.color($0.offset == 0 ? 0 : 4)) })
        }
        return chart.svg
    }

    private var latentChart: String {
        var chart = SVGChart(id: "latent-scatter")
        let points = data.latent
        guard !points.isEmpty else { return "<p>No scored rows.</p>" }
        let xs = points.map(\.x), ys = points.map(\.y)
        let padX = max((xs.max()! - xs.min()!) * 0.05, 1e-6), padY = max((ys.max()! - ys.min()!) * 0.05, 1e-6)
        let x = chart.xScale(xs.min()! - padX, xs.max()! + padX), y = chart.yScale(ys.min()! - padY, ys.max()! + padY)
        chart.axes(x: x, y: y, xTitle: data.latentAxes.0, yTitle: data.latentAxes.1)
        // Anomalies last, so they are drawn on top.
        for p in points.sorted(by: { !$0.anomaly && $1.anomaly }) {
            chart.point(p.x, p.y, x: x, y: y, color: SVGChart.color(p.cluster), marked: p.anomaly)
        }
        let clusters = Set(points.map(\.cluster)).sorted()
        chart.legend(clusters.prefix(10).map { (label: "cluster \($0)", color: SVGChart.color($0)) })
        return chart.svg
    }

    private var evaluationTable: String {
        guard !data.evaluation.isEmpty else {
            return "<p>No label to evaluate against; run <code>aepg evaluate \(esc(data.model)) --label COLUMN</code>.</p>"
        }
        let rows = data.evaluation.map { [$0.0, $0.1 == $0.1.rounded() && abs($0.1) >= 1 ? String(Int($0.1)) : String(format: "%.4f", $0.1)] }
        return table(columns: ["metric", "value"], rows: rows, id: "evaluation")
            + "\n<p class=\"note\">\(esc(data.evaluationSource))</p>"
    }

    private func table(columns: [String], rows: [[String]], id: String) -> String {
        let head = columns.map { "<th>\(esc($0))</th>" }.joined()
        let body = rows.map { "<tr>" + $0.map { "<td>\(esc($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<table id=\"\(id)\">\n<tr>\(head)</tr>\n\(body)\n</table>"
    }
}
