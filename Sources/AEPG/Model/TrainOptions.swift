import Foundation
import Learn

/// Training options as a user gives them: only some set, so stored options, command-line
/// overrides and defaults can be layered. Read and written as `options.epochs` through the
/// declarations in `TrainOptionCatalog`; stored as a jsonb object with its keys.
@dynamicMemberLookup
public struct TrainOptions: Codable, Equatable, Sendable {
    /// The options given, by JSON key.
    public private(set) var values: [String: JSONValue] = [:]
    /// How each given option was written, so messages name it that way (not stored).
    private var origins: [String: OptionOrigin] = [:]

    public init() {}

    /// The option declared at `path`, nil when not given.
    public subscript<Value>(dynamicMember path: KeyPath<TrainOptionCatalog, OptionSpec<Value>>) -> Value? {
        get {
            let spec = TrainOptionCatalog.shared[keyPath: path]
            return values[spec.key].flatMap(Value.init(json:))
        }
        set {
            let key = TrainOptionCatalog.shared[keyPath: path].key
            values[key] = newValue?.json
            origins[key] = nil
        }
    }

    public static func == (a: TrainOptions, b: TrainOptions) -> Bool { a.values == b.values }

    public init(from decoder: Decoder) throws {
        values = try [String: JSONValue](from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try values.encode(to: encoder)
    }

    /// Options from a JSON object written by a user (a job's arguments), each checked, rejecting
    /// keys that are not options so that a misspelt one is an error instead of a silent default.
    public static func parse(json: String) throws -> TrainOptions {
        guard let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(json.utf8)) else {
            throw AEPGError(.invalidOption, "training options must be a JSON object of option keys and values, not \(json)")
        }
        let unknown = object.keys.filter { TrainOptionCatalog.spec(key: $0) == nil }.sorted()
        guard unknown.isEmpty else {
            throw AEPGError(.invalidOption, "unknown option(s): \(unknown.joined(separator: ", ")); options are: "
                + TrainOptionCatalog.all.map(\.key).joined(separator: ", "))
        }
        var options = TrainOptions()
        for (key, value) in object.sorted(by: { $0.key < $1.key }) { try options.set(key, value, origin: .json) }
        return options
    }

    /// Takes the training flags (`--epochs 3`, `--epochs=3`, `--null-indicators`,
    /// `--no-null-indicators`) out of a command line, checked and named as flags; returns them
    /// with the arguments that are not training flags, in their order.
    public static func parse(commandLine arguments: [String]) throws -> (options: TrainOptions, rest: [String]) {
        var options = TrainOptions()
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" { rest += arguments[(index - 1)...]; break }
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let flag = parts.first ?? argument
            if parts.count == 1, let spec = TrainOptionCatalog.all.first(where: { $0.negatedFlag == flag }) {
                try options.set(spec.key, .bool(false), origin: .commandLine)
                continue
            }
            guard flag.hasPrefix("--"), let spec = TrainOptionCatalog.spec(flag: flag) else { rest.append(argument); continue }
            if spec.isSwitch {
                try options.set(spec.key, parts.count == 2 ? try spec.parse(argument: parts[1]) : .bool(true), origin: .commandLine)
                continue
            }
            let value: String
            if parts.count == 2 {
                value = parts[1]
            } else {
                guard index < arguments.count else { throw AEPGError(.invalidOption, "\(flag) needs a value: \(spec.valueHint)") }
                value = arguments[index]
                index += 1
            }
            try options.set(spec.key, try spec.parse(argument: value), origin: .commandLine)
        }
        if options.thresholdSigma != nil && options.contamination != nil {
            throw AEPGError(.invalidOption, "give either --threshold-sigma or --contamination, not both")
        }
        return (options, rest)
    }

    /// Sets a key after checking its value, naming the option as its author wrote it.
    private mutating func set(_ key: String, _ value: JSONValue, origin: OptionOrigin) throws {
        guard let spec = TrainOptionCatalog.spec(key: key) else { throw AEPGError(.invalidOption, "unknown option \(key)") }
        if let problem = spec.problem(with: value) { throw AEPGError(.invalidOption, "\(spec.name(for: origin)) \(problem)") }
        values[key] = spec.normalized(value)
        origins[key] = origin
    }

    /// The options as given on the command line (their messages then name flags).
    public func fromCommandLine() -> TrainOptions {
        var options = self
        for key in values.keys { options.origins[key] = .commandLine }
        return options
    }

    /// These options with every option set in `overrides` replacing the stored one. The two
    /// threshold rules exclude each other: setting one clears the other.
    public func overridden(by overrides: TrainOptions) -> TrainOptions {
        var merged = self
        if (overrides.thresholdSigma ?? nil) != nil { merged.values["contamination"] = nil }
        if (overrides.contamination ?? nil) != nil { merged.values["threshold_sigma"] = nil }
        merged.values.merge(overrides.values) { $1 }
        merged.origins.merge(overrides.origins) { $1 }
        return merged
    }

    /// Every option resolved against the defaults and checked.
    public func resolved() throws -> ResolvedOptions {
        var resolved = ResolvedOptions.defaults
        resolved.origins = origins
        func name<V>(_ path: KeyPath<TrainOptionCatalog, OptionSpec<V>>) -> String { resolved.name(of: path) }
        for (key, value) in values {
            guard let spec = TrainOptionCatalog.spec(key: key) else {
                throw AEPGError(.invalidOption, "unknown option \(key); options are: " + TrainOptionCatalog.all.map(\.key).joined(separator: ", "))
            }
            if let problem = spec.problem(with: value) { throw AEPGError(.invalidOption, "\(spec.name(for: origins[key] ?? .json)) \(problem)") }
            resolved.values[key] = spec.normalized(value)
        }
        // Defaults that follow other options. A clustering job first takes the clustering
        // network wherever the given options leave it open.
        if resolved.purpose == .clustering {
            for (key, value) in TrainOptionCatalog.clusteringNetwork.values where values[key] == nil { resolved.values[key] = value }
        }
        let noiseGiven = (self.noise ?? nil) != nil
        if self.kind == nil && noiseGiven { resolved.kind = .denoising }
        if self.scale == nil && resolved.kind == .ensemble { resolved.scale = TrainOptionCatalog.ensembleScale }
        if self.combine == nil && resolved.kind == .ensemble { resolved.combine = TrainOptionCatalog.ensembleCombination }
        if self.outputActivation == nil && resolved.scale == .minmax { resolved.outputActivation = .sigmoid }
        if resolved.kind == .denoising && resolved.noise == nil { resolved.noise = .gaussian(0.2) }
        if self.epochRows == nil && resolved.kind == .ensemble { resolved.epochRows = TrainOptionCatalog.ensembleEpochRows }
        if resolved.contamination != nil { resolved.thresholdSigma = nil }
        // Options that only make sense together.
        if noiseGiven && resolved.kind != .denoising {
            throw AEPGError(.invalidOption, "\(name(\.noise)) needs \(name(\.kind)) denoising")
        }
        if resolved.score == .elbo && resolved.kind != .variational {
            throw AEPGError(.invalidOption, "\(name(\.score)) elbo needs \(name(\.kind)) variational")
        }
        return resolved
    }
}

extension TrainOptions {
    /// The options set, as command-line flags in the catalog's order (`--hidden 256,128 --latent 10`).
    public var flags: String {
        TrainOptionCatalog.all.compactMap { spec in
            values[spec.key].map { value in
                guard spec.isSwitch else { return spec.flag + " " + spec.argumentText(of: value) }
                return value == .bool(false) ? spec.negatedFlag ?? spec.flag : spec.flag
            }
        }.joined(separator: " ")
    }

    /// Sets a stored value as it is (resolved options turned back into given ones).
    mutating func setStored(_ key: String, _ value: JSONValue) {
        values[key] = value
    }
}
