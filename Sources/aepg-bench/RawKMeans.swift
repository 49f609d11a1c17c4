import Foundation
import Learn

/// `aepg-bench kmeans FILE.csv LABEL CLUSTERS [SEED]`: k-means on a CSV's raw numeric columns
/// (all but `id` and the label), scored against the label with clustering accuracy, NMI and
/// ARI: the "k-means on the raw features" baseline that deep embedded clustering is compared with.
func runRawKMeans(_ arguments: [String]) throws {
    guard arguments.count >= 3, let clusters = Int(arguments[2]) else {
        print("usage: aepg-bench kmeans FILE.csv LABEL CLUSTERS [SEED]")
        exit(64)
    }
    let seed = arguments.count > 3 ? UInt64(arguments[3]) ?? 42 : 42
    let lines = try String(contentsOfFile: arguments[0], encoding: .utf8).split(whereSeparator: \.isNewline)
    let header = lines[0].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard let labelIndex = header.firstIndex(of: arguments[1]) else {
        print("\(arguments[0]) has no column \(arguments[1])")
        exit(65)
    }
    let featureIndices = header.indices.filter { $0 != labelIndex && header[$0] != "id" }
    var values: [Float] = [], labels: [String] = []
    for line in lines.dropFirst() {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        values += featureIndices.map { Float(fields[$0]) ?? .nan }
        labels.append(String(fields[labelIndex]))
    }
    let points = Matrix(rows: labels.count, columns: featureIndices.count, values: values)
    let result = try KMeans(clusters: clusters, seed: seed).fit(points)
    let metrics = ClusteringMetrics.evaluate(clusters: result.labels, classes: labels)
    emit(["bench": "kmeans_raw", "rows": labels.count, "features": featureIndices.count, "clusters": clusters,
          "accuracy": metrics.accuracy, "nmi": metrics.nmi, "ari": metrics.ari])
}
