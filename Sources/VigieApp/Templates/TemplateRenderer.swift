import Foundation
import Mustache
import VigieCore

/// Loads `templates/NAME.mustache` files and renders them; parse errors name the file.
public struct TemplateRenderer: Sendable {
    let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Renders the named template (e.g. "notice.txt") with a dictionary context.
    public func render(_ name: String, _ context: [String: Any]) throws -> String {
        try load(name).render(context)
    }

    /// Reads and parses the named template once: a missing or broken file stops a command at start, not at the
    /// first mail it would have written.
    public func load(_ name: String) throws -> LoadedTemplate {
        let path = (directory as NSString).appendingPathComponent(name + ".mustache")
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(
                "template \(path) cannot be read; check [paths] templates in vigie.toml (vigie init "
                    + "writes the defaults)")
        }
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw ConfigError("template \(path): \(error)")
        }
        return LoadedTemplate(template: template)
    }
}

/// A parsed template, ready to render any number of times.
public struct LoadedTemplate: @unchecked Sendable {
    // MustacheTemplate is an immutable value once parsed.
    let template: MustacheTemplate

    /// The template rendered with a dictionary context.
    public func render(_ context: [String: Any]) -> String { template.render(context) }
}
