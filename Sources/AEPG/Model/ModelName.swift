/// A model name: a lowercase SQL identifier of at most 40 characters, so that
/// `aepg.<name>_results` and the view names need no quoting and stay under PostgreSQL's
/// 63-byte identifier limit.
public struct ModelName: Hashable, CustomStringConvertible, Sendable {
    public let value: String
    public var description: String { value }

    /// Validates `raw`; throws `invalidName` with the rule when it does not fit.
    public init(_ raw: String) throws {
        let allowedFirst = Set("abcdefghijklmnopqrstuvwxyz_")
        let allowed = allowedFirst.union("0123456789")
        guard let first = raw.first, allowedFirst.contains(first), raw.count <= 40,
              raw.allSatisfy({ allowed.contains($0) }) else {
            throw AEPGError(.invalidName,
                "model name \"\(raw.prefix(60))\" is not allowed: use 1 to 40 lowercase letters, digits or underscores, starting with a letter or underscore")
        }
        value = raw
    }
}
