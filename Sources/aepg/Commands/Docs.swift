import AEPG
import ArgumentParser
import Foundation

/// `aepg docs README.md`: rewrites the README's generated tables (options, exit statuses) from
/// the declarations in the code. Hidden: for maintainers, run by `scripts/generate-docs.sh`.
struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite the generated reference tables in a README.", shouldDisplay: false)

    @Argument(help: "The README to update in place.")
    var readme: String

    func run() throws {
        let url = URL(fileURLWithPath: readme)
        var text = try String(contentsOf: url, encoding: .utf8)
        for (name, contents) in ReferenceDocs.sections.sorted(by: { $0.key < $1.key }) {
            guard let updated = ReferenceDocs.replacing(section: name, with: contents, in: text) else {
                throw AEPGError(.environment, "\(readme) has no <!-- BEGIN generated \(name) --> ... <!-- END generated \(name) --> markers")
            }
            text = updated
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
