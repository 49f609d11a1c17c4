import AEPG
import ArgumentParser
import Learn

/// `aepg list`: the models and their active versions.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List models.")
    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let catalog = Catalog(connection: try connection.connect())
        for model in try catalog.models() {
            print("\(model.name)\t\(model.source)\tversion \(model.activeVersion.map(String.init) ?? "-")")
        }
    }
}

/// `aepg show MODEL`: a model's definition and active version.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a model's definition and active version.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The model.") var model: String

    func run() throws {
        let name = try ModelName(model)
        let catalog = Catalog(connection: try connection.connect())
        let m = try catalog.model(name)
        print("model     \(m.name)\nsource    \(m.source)\nkey       \(m.keyColumn)")
        print("features  \(m.features?.joined(separator: ", ") ?? "all numeric and numeric-array columns" + (m.exclude.isEmpty ? "" : " except \(m.exclude.joined(separator: ", "))"))")
        print("label     \(m.labelColumn ?? "-")\nactive    \(m.activeVersion.map(String.init) ?? "none")")
        if m.activeVersion != nil {
            let trained = try catalog.trainedModel(name)
            let o = trained.options
            func layers(_ network: Network) -> String {
                network.layers.map { "\($0.inputs)→\($0.outputs) \($0.activation.rawValue)" }.joined(separator: ", ")
            }
            print("kind      \(o.kind.rawValue)\(o.kind == .variational ? " (the encoder's last layer outputs mean and log-variance)" : ""), scale \(o.scale.rawValue), loss \(o.loss.rawValue)")
            print("inputs    \(trained.encoding.inputWidth): \(trained.encoding.inputNames.prefix(12).joined(separator: ", "))\(trained.encoding.inputWidth > 12 ? ", ..." : "")")
            if trained.members.isEmpty {
                print("threshold \(trained.threshold)\nlayers    \(layers(trained.network))")
            } else {
                print("threshold \(trained.threshold) (on the members' mean robust z-score)")
                for (i, member) in trained.members.enumerated() {
                    print("member \(i)  \(layers(member.network))\(member.klWeight != nil ? ", ELBO score" : ""); "
                          + String(format: "score scale: median %.6g, IQR %.6g", member.center, member.scale))
                }
            }
            print("clusters  \(trained.centroids.rows) by \(o.cluster.rawValue)\(trained.clusterEncoder.map { "; fine-tuned encoder " + layers($0) } ?? "")")
        }
    }
}

/// `aepg drop MODEL`: remove a model with its versions, results and views.
struct Drop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Drop a model, its versions, results and views.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The model.") var model: String

    func run() throws {
        try Catalog(connection: try connection.connect()).drop(try ModelName(model))
        print("dropped \(model)")
    }
}
