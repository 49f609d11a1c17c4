/// Where an option's value came from, so a message names it the way its author wrote it.
public enum OptionOrigin: Sendable {
    /// A command-line flag (`--batch-size`).
    case commandLine
    /// A JSON key: a worker job's arguments, `aepg.create_model`, or options stored with a model.
    case json
}

/// What a valid value satisfies, with the words that say so in messages and docs.
public struct Requirement<Value: OptionValue>: Sendable {
    /// Completes "must be ...", e.g. "at least 1".
    public let text: String
    let holds: @Sendable (Value) -> Bool

    public init(_ text: String, _ holds: @escaping @Sendable (Value) -> Bool) {
        self.text = text
        self.holds = holds
    }
}

extension Requirement where Value == Int {
    /// A whole number of at least `minimum` and at most `maximum`.
    static func range(_ minimum: Int, _ maximum: Int) -> Self {
        Requirement("from \(minimum) to \(maximum)") { $0 >= minimum && $0 <= maximum }
    }
}

extension Requirement where Value == Double {
    /// A finite number greater than 0.
    static var positive: Self { Requirement("a positive number") { $0 > 0 && $0.isFinite } }
    /// 0 or a finite positive number.
    static var nonNegative: Self { Requirement("0 or a positive number") { $0 >= 0 && $0.isFinite } }
    /// A share in [0, 1).
    static var fraction: Self { Requirement("in [0, 1)") { $0 >= 0 && $0 < 1 } }
}

/// One training option, declared once in `TrainOptionCatalog`: its JSON key (the flag is the
/// key with dashes), default, requirement and help. Everything else — the command-line flags and
/// their help, layering, validation, the SQL key check and the README's table — derives from it.
public struct OptionSpec<Value: OptionValue>: Sendable {
    /// The key in JSON (`batch_size`).
    public let key: String
    /// The value when the option is not given.
    public let defaultValue: Value
    /// How the default reads in docs when it depends on other options; nil shows `defaultValue`.
    public let defaultNote: String?
    /// What the option does, one sentence.
    public let summary: String
    /// More help built from other facts when it is read (the clustering network's flags), so
    /// that those facts are written down once.
    let detail: (@Sendable () -> String)?
    let requirement: Requirement<Value>?

    public init(_ key: String, default defaultValue: Value, _ requirement: Requirement<Value>? = nil,
                defaultNote: String? = nil, help: String, detail: (@Sendable () -> String)? = nil) {
        self.key = key
        self.defaultValue = defaultValue
        self.requirement = requirement
        self.defaultNote = defaultNote
        self.summary = help
        self.detail = detail
    }

    /// The summary and its detail.
    public var help: String { detail.map { summary + " " + $0() } ?? summary }
}

/// An option of any value type, for code that walks the whole catalog.
public protocol AnyOptionSpec: Sendable {
    /// The key in JSON (`batch_size`).
    var key: String { get }
    /// What the option does.
    var help: String { get }
    /// The default as a user would write it, or the note on how it is chosen.
    var defaultText: String { get }
    /// What a value looks like (`<int>`, `dense|denoising|variational`); empty for a switch.
    var valueHint: String { get }
    /// What a valid value satisfies ("at least 1"), when more than its type.
    var requirementText: String? { get }
    /// True for a switch that takes no value on the command line.
    var isSwitch: Bool { get }
    /// True when the default follows other options (docs carry a note instead of one value).
    var dependsOnOthers: Bool { get }
    /// The default as stored.
    var defaultJSON: JSONValue { get }
    /// Reads a command-line value as JSON, checked; throws naming the flag.
    func parse(argument: String) throws -> JSONValue
    /// `value` as it would be written after the flag (`256,128` for a list).
    func argumentText(of value: JSONValue) -> String
    /// Why `value` is not a valid value of this option (type or requirement), nil when it is.
    func problem(with value: JSONValue) -> String?
    /// `value` written the one way this option's type writes it (`1.0` and `1` are one number).
    func normalized(_ value: JSONValue) -> JSONValue
}

extension AnyOptionSpec {
    /// The command-line flag (`--batch-size`).
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// `--no-<name>`, which turns a switch off; nil for an option that takes a value.
    public var negatedFlag: String? { isSwitch ? "--no-" + flag.dropFirst(2) : nil }

    /// The help and what a valid value must be; with `listingValues`, also the words a choice takes.
    public func explanation(listingValues: Bool) -> String {
        var text = help
        if listingValues && valueHint.contains("|") { text += " Values: `\(valueHint)`." }
        if let requirementText { text += " Must be \(requirementText)." }
        return text
    }

    /// The option's name as written by its author.
    public func name(for origin: OptionOrigin) -> String { origin == .commandLine ? flag : key }
}

extension OptionSpec: AnyOptionSpec {
    public var defaultText: String { defaultNote ?? defaultValue.argumentText }
    public var valueHint: String { Value.valueHint }
    public var requirementText: String? { requirement?.text }
    public var isSwitch: Bool { Value.isSwitch }
    public var dependsOnOthers: Bool { defaultNote != nil }
    public var defaultJSON: JSONValue { defaultValue.json }
    public func argumentText(of value: JSONValue) -> String { Value(json: value)?.argumentText ?? "\(value)" }

    public func parse(argument: String) throws -> JSONValue {
        guard let value = Value(argument: argument) else {
            throw AEPGError(.invalidOption, "\(flag) takes \(Value.valueHint), not \"\(argument)\"")
        }
        if let problem = problem(with: value.json) { throw AEPGError(.invalidOption, "\(flag) \(problem)") }
        return value.json
    }

    public func problem(with value: JSONValue) -> String? {
        guard let typed = Value(json: value) else { return "takes \(Value.valueHint), not \(value)" }
        if let requirement, !requirement.holds(typed) { return "must be \(requirement.text), not \(typed.argumentText)" }
        return nil
    }

    public func normalized(_ value: JSONValue) -> JSONValue { Value(json: value)?.json ?? value }

    /// The value of this option in stored JSON, or the default when absent or of another type.
    func value(in values: [String: JSONValue]) -> Value {
        values[key].flatMap(Value.init(json:)) ?? defaultValue
    }
}

/// A requirement on every element of a list option.
extension Requirement where Value == [Int] {
    /// Every width from `minimum` to `maximum`.
    static func widths(_ minimum: Int, _ maximum: Int) -> Self {
        Requirement("widths from \(minimum) to \(maximum)") { $0.allSatisfy { $0 >= minimum && $0 <= maximum } }
    }
}

extension Requirement {
    /// The same requirement on a value that may be unset; unset always passes.
    static func optional<Wrapped>(_ inner: Requirement<Wrapped>) -> Requirement<Wrapped?> where Value == Wrapped? {
        Requirement<Wrapped?>(inner.text) { $0.map(inner.holds) ?? true }
    }
}
