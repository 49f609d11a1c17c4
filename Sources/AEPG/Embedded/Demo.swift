import Foundation
import Learn
import Logging
import PGClient

/// `aepg demo`: starts a private PostgreSQL, loads the bundled credit-card sample, trains a
/// model on it and prints what it found.
public struct Demo {
    public var postgres: EmbeddedPostgres
    /// Options for the demo's training run (defaults unless given).
    public var overrides: TrainOptions
    public var logger: Logger

    public init(home: URL, overrides: TrainOptions = TrainOptions(), logger: Logger) {
        postgres = EmbeddedPostgres(home: home)
        self.overrides = overrides
        self.logger = logger
    }

    static let model = try! ModelName("creditcard")  // a valid constant name

    /// Runs the demo; returns the training summary. Prints the report to standard output.
    @discardableResult
    public func run() throws -> TrainSummary {
        if postgres.home != postgres.requestedHome {
            logger.info("the postgres user cannot reach \(postgres.requestedHome.path); using \(postgres.home.path) instead")
        }
        logger.info("starting a private PostgreSQL under \(postgres.home.path)")
        let conninfo = try postgres.start()
        let connection = try PGConnection(conninfo)
        try SchemaInstaller.install(on: connection)
        try loadSample(on: connection)
        let definition = ModelDefinition(name: Self.model, source: "public.creditcard", keyColumn: "id",
                                         exclude: ["Time"], labelColumn: "Class", options: overrides)
        let summary = try TrainPipeline(model: Self.model, definition: definition, logger: logger).run(on: connection)
        try DemoReport(connection: connection, summary: summary).print()
        Swift.print("""

            The results stay in the database. Connect with:
              psql "\(conninfo)"
            and try:  SELECT * FROM aepg.creditcard_flags WHERE flagged ORDER BY score DESC LIMIT 5;
            Stop the server with:  aepg demo --stop   (or make demo-stop)
            """)
        return summary
    }

    /// Loads `data/creditcard_sample.csv` into `public.creditcard` unless it is already there.
    private func loadSample(on connection: PGConnection) throws {
        let present = try connection.execute("SELECT to_regclass('public.creditcard') IS NOT NULL").bool(0, 0) ?? false
        if present, try connection.execute("SELECT count(*) FROM public.creditcard").int(0, 0) == 5099 { return }
        try connection.executeScript(try ResourceLocator.text("data/creditcard_sample.sql"))
        let csv = try Data(contentsOf: try ResourceLocator.url("data/creditcard_sample.csv"))
        try connection.copyIn("COPY public.creditcard FROM STDIN (FORMAT csv, HEADER)") { copy in
            copy.pending.append(contentsOf: csv)
        }
        logger.info("loaded the credit-card sample into public.creditcard (5,099 rows, 96 frauds)")
    }
}

/// The demo's printed report: top rows, clusters and quality against the fraud label.
struct DemoReport {
    let connection: PGConnection
    let summary: TrainSummary

    func print() throws {
        let top = try connection.execute("""
            SELECT f.id, f.score, f.flagged, f."Class", f."Amount", array_to_string(r.top_features, ', ')
              FROM aepg.creditcard_flags f
              JOIN aepg.creditcard_results r ON r.id = f.id
              JOIN aepg.models m ON m.name = 'creditcard' AND r.version = m.active_version
             ORDER BY f.score DESC
             LIMIT 10
            """)
        Swift.print("\nThe 10 highest-scoring transactions (version \(summary.version), threshold \(format(summary.threshold))):")
        Swift.print(pad(["id", "score", "flagged", "Class", "Amount", "top features"], [8, 10, 8, 6, 9, 0]))
        for i in 0..<top.rowCount {
            Swift.print(pad([top.string(i, 0)!, String(format: "%.3f", top.double(i, 1)!), top.bool(i, 2)! ? "yes" : "no",
                             top.string(i, 3)!, String(format: "%.2f", top.double(i, 4)!), top.string(i, 5)!],
                            [8, 10, 8, 6, 9, 0]))
        }
        let clusters = try connection.execute("""
            SELECT cluster, rows, mean_score, share_flagged FROM aepg.creditcard_cluster_profile ORDER BY cluster
            """)
        Swift.print("\nClusters of the latent space (k-means, k = \(summary.options.clusters)):")
        Swift.print(pad(["cluster", "rows", "mean score", "flagged"], [8, 8, 11, 0]))
        for i in 0..<clusters.rowCount {
            Swift.print(pad([clusters.string(i, 0)!, clusters.string(i, 1)!, String(format: "%.4f", clusters.double(i, 2)!),
                             String(format: "%.1f %%", 100 * clusters.double(i, 3)!)], [8, 8, 11, 0]))
        }
        if let m = summary.metrics {
            Swift.print("""

                Against the Class column (96 frauds in 5,099 rows):
                  ROC-AUC    \(String(format: "%.4f", m.rocAUC))
                  PR-AUC     \(String(format: "%.4f", m.prAUC))
                  precision  \(String(format: "%.4f", m.precision))  (\(m.truePositives) of \(m.truePositives + m.falsePositives) flagged rows are frauds)
                  recall     \(String(format: "%.4f", m.recall))  (\(m.truePositives) of \(m.truePositives + m.falseNegatives) frauds flagged)
                """)
        }
    }

    private func pad(_ cells: [String], _ widths: [Int]) -> String {
        zip(cells, widths).map { $1 == 0 ? $0 : $0.padding(toLength: max($1, $0.count + 1), withPad: " ", startingAt: 0) }
            .joined()
    }
}
