import Foundation

/// Small inline-SVG charts for the HTML report: no scripts, no fonts, no network; every chart
/// is a fixed-size `<svg>` with axes, ticks and a legend, readable when printed.
struct SVGChart {
    let id: String
    let width = 760.0, height = 320.0
    let left = 64.0, top = 16.0, bottom = 44.0
    /// Room right of the plot: the legend's column, so it never covers data.
    let right: Double
    private(set) var body = ""

    init(id: String, legend: Bool = true) {
        self.id = id
        right = legend ? 140 : 16
    }

    /// The palette of clusters and series (Okabe–Ito, readable by colour-blind readers).
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
                          "#999999", "#882255"]
    static func color(_ index: Int) -> String { palette[((index % palette.count) + palette.count) % palette.count] }

    /// A linear scale from `domain` onto the plot area.
    struct Scale {
        let low: Double, high: Double, start: Double, end: Double
        func callAsFunction(_ v: Double) -> Double {
            high == low ? (start + end) / 2 : start + (v - low) / (high - low) * (end - start)
        }
    }

    func xScale(_ low: Double, _ high: Double) -> Scale { Scale(low: low, high: high, start: left, end: width - right) }
    func yScale(_ low: Double, _ high: Double) -> Scale { Scale(low: low, high: high, start: height - bottom, end: top) }

    /// Axes with about five ticks each and their titles.
    mutating func axes(x: Scale, y: Scale, xTitle: String, yTitle: String, xFormat: (Double) -> String = SVGChart.number,
                       yFormat: (Double) -> String = SVGChart.number) {
        body += line(left, height - bottom, width - right, height - bottom, stroke: "#333")
        body += line(left, top, left, height - bottom, stroke: "#333")
        for t in Self.ticks(x.low, x.high) {
            body += line(x(t), height - bottom, x(t), height - bottom + 4, stroke: "#333")
            body += text(x(t), height - bottom + 16, xFormat(t), anchor: "middle")
        }
        for t in Self.ticks(y.low, y.high) {
            body += line(left - 4, y(t), left, y(t), stroke: "#333")
            body += line(left, y(t), width - right, y(t), stroke: "#eee")
            body += text(left - 6, y(t) + 4, yFormat(t), anchor: "end")
        }
        body += text((left + width - right) / 2, height - 6, xTitle, anchor: "middle")
        body += "<text transform=\"translate(14 \(fmt((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yTitle))</text>\n"
    }

    /// A polyline through `points`.
    mutating func polyline(_ points: [(Double, Double)], x: Scale, y: Scale, color: String, dashed: Bool = false) {
        let coordinates = points.map { "\(fmt(x($0.0))),\(fmt(y($0.1)))" }.joined(separator: " ")
        body += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(coordinates)\"/>\n"
    }

    /// A filled bar from `x0` to `x1` and from 0 to `value`.
    mutating func bar(_ x0: Double, _ x1: Double, _ value: Double, x: Scale, y: Scale, color: String, opacity: Double = 0.75) {
        guard value > 0 else { return }
        body += "<rect class=\"bar\" x=\"\(fmt(x(x0)))\" y=\"\(fmt(y(value)))\" width=\"\(fmt(max(x(x1) - x(x0) - 1, 1)))\" height=\"\(fmt(y(0) - y(value)))\" fill=\"\(color)\" fill-opacity=\"\(opacity)\"/>\n"
    }

    /// A point; `marked` points are drawn as crosses (e.g. labelled anomalies).
    mutating func point(_ px: Double, _ py: Double, x: Scale, y: Scale, color: String, marked: Bool) {
        let cx = x(px), cy = y(py)
        if marked {
            body += "<path class=\"point marked\" d=\"M\(fmt(cx - 4)) \(fmt(cy - 4))L\(fmt(cx + 4)) \(fmt(cy + 4))M\(fmt(cx - 4)) \(fmt(cy + 4))L\(fmt(cx + 4)) \(fmt(cy - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
        } else {
            body += "<circle class=\"point\" cx=\"\(fmt(cx))\" cy=\"\(fmt(cy))\" r=\"2.5\" fill=\"\(color)\" fill-opacity=\"0.6\"/>\n"
        }
    }

    /// A vertical marker line with a caption (e.g. the threshold).
    mutating func marker(at value: Double, x: Scale, caption: String) {
        body += line(x(value), top, x(value), height - bottom, stroke: "#C00", dash: true)
        body += text(x(value) + 4, top + 12, caption, anchor: "start", color: "#C00")
    }

    /// A legend in the top-right corner.
    mutating func legend(_ entries: [(label: String, color: String)]) {
        for (i, entry) in entries.enumerated() {
            let y = top + 8 + Double(i) * 16
            body += "<rect x=\"\(fmt(width - right + 16))\" y=\"\(fmt(y - 8))\" width=\"10\" height=\"10\" fill=\"\(entry.color)\"/>\n"
            body += text(width - right + 32, y + 1, entry.label, anchor: "start")
        }
    }

    /// The finished `<svg>` element.
    var svg: String {
        "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\">\n\(body)</svg>"
    }

    private func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dash: Bool = false) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\"\(dash ? " stroke-dasharray=\"5 3\"" : "")/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String, color: String = "#333") -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\" fill=\"\(color)\">\(Self.escape(content))</text>\n"
    }

    private func fmt(_ v: Double) -> String { String(format: "%.1f", v.isFinite ? v : 0) }

    /// "Nice" tick values (1, 2, 5 × 10^k steps) covering [low, high].
    static func ticks(_ low: Double, _ high: Double) -> [Double] {
        guard high > low, low.isFinite, high.isFinite else { return [low] }
        let raw = (high - low) / 5, magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var ticks: [Double] = []
        var t = ceil(low / step) * step
        while t <= high + step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
        return ticks
    }

    /// A compact number: 3 significant digits.
    static func number(_ v: Double) -> String { String(format: "%.3g", v) }

    /// Text safe inside HTML and SVG.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
