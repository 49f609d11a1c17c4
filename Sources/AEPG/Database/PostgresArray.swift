/// Text forms of PostgreSQL arrays, for passing arrays as parameters and reading them back.
enum PostgresArray {
    /// `{1.5,-2,3e-05}`: Swift prints the shortest text that reads back as the same Float,
    /// and PostgreSQL does the same on output, so weights round-trip exactly.
    static func literal(_ values: [Float]) -> String {
        "{" + values.map { $0.description }.joined(separator: ",") + "}"
    }

    /// `{1,2,3}`.
    static func literal(_ values: [Int]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }

    /// `{"a","b \"c\""}`: elements double-quoted and escaped, so any name survives.
    static func literal(_ values: [String]) -> String {
        "{" + values.map(quoted).joined(separator: ",") + "}"
    }

    /// `value` double-quoted, `"` and `\` escaped. Most values have neither, and skip the
    /// escaping (Foundation's replacingOccurrences took 20 ms over a network's weights).
    private static func quoted(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return "\"" + value + "\"" }
        var escaped = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { escaped.unicodeScalars.append("\\") }
            escaped.unicodeScalars.append(scalar)
        }
        return escaped + "\""
    }

    /// Numbers of a (possibly multi-dimensional) numeric array's text form, flattened.
    static func floats(_ text: String) -> [Float] {
        text.split(whereSeparator: { $0 == "{" || $0 == "}" || $0 == "," }).compactMap { Float($0) }
    }

    /// Elements of a one-dimensional text array's text form.
    static func strings(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false, escaped = false, sawAny = false
        for ch in text.dropFirst().dropLast() {
            if escaped { current.append(ch); escaped = false; continue }
            switch ch {
            case "\\" where quoted: escaped = true
            case "\"": quoted.toggle(); sawAny = true
            case "," where !quoted: out.append(current); current = ""; sawAny = false
            default: current.append(ch); sawAny = true
            }
        }
        if sawAny || !out.isEmpty { out.append(current) }
        return out
    }
}
