import Foundation

/// Quotes an SQL identifier: wraps it in double quotes and doubles any double quote inside.
///
/// Every identifier that reaches SQL text from a user (table, column, model-derived names)
/// goes through this one function; values never do, they travel as parameters.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

/// Quotes a schema-qualified name: `quoteIdentifier(schema).quoteIdentifier(name)`.
public func quoteQualified(schema: String, name: String) -> String {
    quoteIdentifier(schema) + "." + quoteIdentifier(name)
}
