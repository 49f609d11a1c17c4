import AEPG
import ArgumentParser
import Foundation

/// The training options of `aepg train` and `aepg demo`. They are declared in
/// `TrainOptionCatalog`, not here: `AEPGCommand.main` takes them out of the command line before
/// argument parsing (`TrainOptions.parse(commandLine:)`) and hands them over as one hidden option.
struct TrainFlags: ParsableArguments {
    /// The hidden option that carries the training flags, as JSON.
    static let carrier = "--training-options"

    @Option(name: .customLong(String(carrier.dropFirst(2))), help: .private)
    var given: String?

    /// The training flags given (only those).
    var options: TrainOptions {
        get throws {
            guard let given else { return TrainOptions() }
            return try TrainOptions.parse(json: given).fromCommandLine()
        }
    }

    /// `arguments` with the training flags of `train` and `demo` moved into the carrier option.
    static func carry(_ arguments: [String]) throws -> [String] {
        guard let command = arguments.first, ["train", "demo"].contains(command) else { return arguments }
        let (options, rest) = try TrainOptions.parse(commandLine: Array(arguments.dropFirst()))
        guard !options.values.isEmpty else { return arguments }
        let json = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        return [command] + rest + [carrier, json]
    }

    /// The training options as help text, from the catalog.
    static let help: String = {
        var lines = ["Training options (the same keys, with underscores, in aepg.create_model and train jobs):"]
        for spec in TrainOptionCatalog.all {
            lines.append("  \(spec.flag) " + (spec.negatedFlag.map { "/ \($0)" } ?? spec.valueHint))
            lines.append("        \(spec.explanation(listingValues: false)) (default: \(spec.defaultText))")
        }
        return lines.joined(separator: "\n")
    }()
}
