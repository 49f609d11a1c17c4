/// The README's reference tables, made from the declarations they describe so they cannot drift:
/// `scripts/generate-docs.sh` writes them between their markers and a test checks they are current.
public enum ReferenceDocs {
    /// The marked sections of the README: name → contents.
    public static var sections: [String: String] {
        ["options table": optionsTable, "exit statuses": exitStatusTable]
    }

    /// Every training option: flag, JSON key, default and meaning.
    public static var optionsTable: String {
        var lines = ["| flag | key (SQL, jobs) | default | meaning |", "| --- | --- | --- | --- |"]
        for spec in TrainOptionCatalog.all {
            let flag = spec.negatedFlag.map { "`\(spec.flag)`, `\($0)`" } ?? "`\(spec.flag)`"
            lines.append("| \(flag) | `\(spec.key)` | \(spec.defaultText) | \(escaped(spec.explanation(listingValues: true))) |")
        }
        return lines.joined(separator: "\n")
    }

    /// Every exit status, the errors that end with it, and what a worker does with such a job.
    public static var exitStatusTable: String {
        var lines = ["| status | meaning | errors | a worker's job with such an error |", "| ---: | --- | --- | --- |"]
        for status in ExitStatus.allCases {
            let codes = AEPGError.Code.allCases.filter { $0.exitStatus == status }
            let outcomes = Set(codes.map(\.jobOutcome))
            let job = status == .success ? "done" : status == .usage ? "fails for good (so do command-line mistakes)"
                : outcomes.map(describe).sorted().joined(separator: "; ")
            lines.append("| \(status.rawValue) | \(status.meaning) | \(codes.map { "`\($0.name)`" }.joined(separator: ", ")) | \(job) |")
        }
        return lines.joined(separator: "\n")
    }

    private static func describe(_ outcome: JobOutcome) -> String {
        switch outcome {
        case .retry: return "retried with back-off while attempts remain"
        case .requeue: return "queued again in 2 s, no attempt counted"
        case .fail: return "fails for good"
        }
    }

    private static func escaped(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    /// `document` with the section `name` (between `<!-- BEGIN generated NAME ... -->` and
    /// `<!-- END generated NAME -->`) replaced by `contents`; nil when the markers are missing.
    public static func replacing(section name: String, with contents: String, in document: String) -> String? {
        guard let begin = document.range(of: "<!-- BEGIN generated \(name)"),
              let beginEnd = document.range(of: "-->\n", range: begin.upperBound..<document.endIndex),
              let end = document.range(of: "<!-- END generated \(name) -->", range: beginEnd.upperBound..<document.endIndex)
        else { return nil }
        return document.replacingCharacters(in: beginEnd.upperBound..<end.lowerBound, with: contents + "\n")
    }
}
