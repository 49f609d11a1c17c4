import AEPG
import ArgumentParser
import Foundation
import Logging

/// `aepg train`: define (with --table) and train a model, or retrain a stored one.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a new version of a model and make it active.",
        discussion: """
            Define and train:  aepg train --table public.transactions --key id --exclude time --label class --name fraud
            Retrain (cron):    aepg train fraud
            Flags given when retraining override the stored options for that run and are recorded in the new version.

            """ + TrainFlags.help)

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A stored model to retrain.")
    var model: String?

    @Option(help: "Name of a new (or redefined) model: lowercase letters, digits, underscores.")
    var name: String?
    @Option(help: ArgumentHelp("Source table, written as in SQL: schema.table, \"Quoted Name\".", valueName: "schema.table"))
    var table: String?
    @Option(help: "Column that identifies each row (unique, not NULL).")
    var key: String?
    @Option(help: ArgumentHelp("Feature columns (exact names); default: every numeric or numeric-array column but key, label and --exclude.", valueName: "a,b,..."))
    var features: String?
    @Option(help: ArgumentHelp("Numeric columns to leave out of the features.", valueName: "a,b,..."))
    var exclude: String?
    @Option(help: "0/1 label column (1 = anomaly): evaluated after training, never a feature; needed by --train-on normal.")
    var label: String?

    @OptionGroup var flags: TrainFlags

    func validate() throws {
        if table != nil {
            guard name != nil || model != nil, key != nil else {
                throw ValidationError("defining a model needs --table, --key and --name (or the model as argument)")
            }
            if let model, let name, model != name { throw ValidationError("give the model's name once") }
        } else {
            guard model != nil || name != nil else { throw ValidationError("name a model to retrain, or define one with --table, --key and --name") }
            guard key == nil, features == nil, exclude == nil, label == nil else {
                throw ValidationError("--key, --features, --exclude and --label define a model: give --table too")
            }
        }
        if features != nil && exclude != nil { throw ValidationError("give either --features or --exclude, not both") }
    }

    func run() throws {
        let logger = Logger(label: "aepg")
        let modelName = try ModelName(name ?? model ?? "")
        let given = try flags.options
        var definition: ModelDefinition?
        if let table, let key {
            definition = ModelDefinition(name: modelName, source: table, keyColumn: key,
                                         features: features.map(splitList), exclude: exclude.map(splitList) ?? [],
                                         labelColumn: label, options: given)
        }
        let pipeline = TrainPipeline(model: modelName, definition: definition,
                                     overrides: definition == nil ? given : TrainOptions(), logger: logger)
        let summary = try pipeline.run(on: try connection.connect())
        print(TrainReport(summary: summary).text)
    }
}

/// Splits `a,b,c` into names, trimming spaces around commas.
func splitList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}
