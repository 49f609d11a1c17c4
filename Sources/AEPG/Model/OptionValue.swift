import Foundation
import Learn

/// A JSON value as options are stored in `jsonb` and given in jobs and `aepg.create_model`.
public enum JSONValue: Codable, Equatable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .integer(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "an option value must be a number, text, boolean or list") }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .integer(let i): try c.encode(i)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        }
    }

    /// The value as a number, whether written with or without a fraction.
    var double: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }

    /// Compact JSON, as in messages.
    public var description: String {
        guard let data = try? JSONEncoder().encode(self) else { return "?" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A type an option can hold: read from JSON and from a command-line argument, shown in docs.
public protocol OptionValue: Equatable, Sendable {
    /// The value held by `json`; nil when it has another type.
    init?(json: JSONValue)
    /// The value written on the command line; nil when it is not one.
    init?(argument: String)
    /// The value as stored.
    var json: JSONValue { get }
    /// The value as a user writes it (in docs and messages).
    var argumentText: String { get }
    /// What a value looks like, for help (`<int>`, `dense|denoising`).
    static var valueHint: String { get }
    /// True for a switch that takes no value on the command line (`--null-indicators`).
    static var isSwitch: Bool { get }
}

extension OptionValue {
    public static var isSwitch: Bool { false }
    public var argumentText: String { "\(json)" }
}

extension Int: OptionValue {
    public init?(json: JSONValue) {
        guard case .integer(let i) = json, let value = Int(exactly: i) else { return nil }
        self = value
    }
    public init?(argument: String) {
        guard let value = Int(argument.trimmingCharacters(in: .whitespaces)) else { return nil }
        self = value
    }
    public var json: JSONValue { .integer(Int64(self)) }
    public var argumentText: String { String(self) }
    public static var valueHint: String { "<int>" }
}

extension UInt64: OptionValue {
    public init?(json: JSONValue) {
        guard case .integer(let i) = json, i >= 0 else { return nil }
        self = UInt64(i)
    }
    public init?(argument: String) {
        guard let value = UInt64(argument, radix: 10), value <= UInt64(Int64.max) else { return nil }
        self = value
    }
    public var json: JSONValue { .integer(Int64(clamping: self)) }
    public var argumentText: String { String(self) }
    public static var valueHint: String { "<int>" }
}

extension Double: OptionValue {
    public init?(json: JSONValue) {
        guard let value = json.double else { return nil }
        self = value
    }
    public init?(argument: String) {
        guard let value = Double(argument.trimmingCharacters(in: .whitespaces)) else { return nil }
        self = value
    }
    public var json: JSONValue {
        if self == rounded(), abs(self) < 1e15 { return .integer(Int64(self)) }
        return .number(self)
    }
    public var argumentText: String {
        if case .integer(let i) = json { return String(i) }
        return String(self)
    }
    public static var valueHint: String { "<number>" }
}

extension Bool: OptionValue {
    public init?(json: JSONValue) {
        guard case .bool(let b) = json else { return nil }
        self = b
    }
    public init?(argument: String) {
        switch argument {
        case "true", "on", "yes": self = true
        case "false", "off", "no": self = false
        default: return nil
        }
    }
    public var json: JSONValue { .bool(self) }
    public var argumentText: String { self ? "on" : "off" }
    public static var valueHint: String { "" }
    public static var isSwitch: Bool { true }
}

/// Layer widths: `64,32` on the command line (an empty string for none), `[64, 32]` in JSON.
extension Array: OptionValue where Element == Int {
    public init?(json: JSONValue) {
        guard case .array(let items) = json else { return nil }
        let widths = items.compactMap(Int.init(json:))
        guard widths.count == items.count else { return nil }
        self = widths
    }
    public init?(argument: String) {
        if argument.trimmingCharacters(in: .whitespaces).isEmpty { self = []; return }
        let widths = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard widths.allSatisfy({ $0 != nil }) else { return nil }
        self = widths.map { $0! }
    }
    public var json: JSONValue { .array(map(\.json)) }
    public var argumentText: String { map(String.init).joined(separator: ",") }
    public static var valueHint: String { "<w1,w2,...>" }
}

/// An option that may be unset (no threshold rule of its kind, no time limit): JSON `null`.
extension Optional: OptionValue where Wrapped: OptionValue {
    public init?(json: JSONValue) {
        if json == .null { self = .none; return }
        guard let value = Wrapped(json: json) else { return nil }
        self = .some(value)
    }
    public init?(argument: String) {
        guard let value = Wrapped(argument: argument) else { return nil }
        self = .some(value)
    }
    public var json: JSONValue { self?.json ?? .null }
    public var argumentText: String { self?.argumentText ?? "—" }
    public static var valueHint: String { Wrapped.valueHint }
}

/// A choice among named cases (`--kind dense`): the enum's raw values are the words a user writes.
public protocol OptionChoice: OptionValue, RawRepresentable, CaseIterable where RawValue == String {}

extension OptionChoice {
    public init?(json: JSONValue) {
        guard case .string(let s) = json else { return nil }
        self.init(rawValue: s)
    }
    public init?(argument: String) { self.init(rawValue: argument) }
    public var json: JSONValue { .string(rawValue) }
    public var argumentText: String { rawValue }
    public static var valueHint: String { allCases.map(\.rawValue).joined(separator: "|") }
}

extension ModelKind: OptionChoice {}
extension Activation: OptionChoice {}
extension OptimizerKind: OptionChoice {}
extension Loss: OptionChoice {}
extension ScoreMethod: OptionChoice {}
extension ScalingMethod: OptionChoice {}
extension CategoricalEncoding: OptionChoice {}
extension ClusterMethod: OptionChoice {}
extension TrainOn: OptionChoice {}
extension LabelUse: OptionChoice {}
extension MemberCombination: OptionChoice {}
extension Purpose: OptionChoice {}

extension InputNoise: OptionValue {
    public init?(json: JSONValue) {
        guard case .string(let s) = json else { return nil }
        self.init(s)
    }
    public init?(argument: String) { self.init(argument) }
    public var json: JSONValue { .string(description) }
    public var argumentText: String { description }
    public static var valueHint: String { "gaussian:σ|mask:p" }
}
