import Foundation

/// The key reference generated from the declarations: the README's tables and `vigie config keys`.
public enum ConfigKeyTable {
    /// A group of keys: one queue kind, or one section of `vigie.toml`.
    public struct Group: Sendable {
        /// `[clusters]` or `kind = "newsletter"`.
        public let title: String
        /// The group's keys, in the shipped files' order.
        public let keys: [ConfigKey]
    }

    /// Every queue kind, `kind` itself left out (the title names it).
    public static var queueGroups: [Group] {
        QueueKeys.kinds.map { kind in
            Group(
                title: "kind = \"\(kind)\"",
                keys: QueueKeys.keys(for: kind).filter { $0.name != QueueKeys.kind.name })
        }
    }

    /// Every section of `vigie.toml`.
    public static var mainGroups: [Group] {
        MainKeys.sections.map { Group(title: "[\($0.name)]", keys: $0.keys) }
    }

    /// Markdown tables, one per group: what the README shows between its `keys` markers.
    public static func markdown(_ groups: [Group]) -> String {
        groups.map { group in
            var lines = ["`\(group.title)`", "", "| key | value | default | meaning |", "|---|---|---|---|"]
            for k in group.keys {
                lines.append(
                    "| `\(k.name)` | \(cell(k.type.summary)) | \(cell(defaultCell(k))) "
                        + "| \(cell(docCell(k))) |")
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    /// The same reference for the terminal: `key = default  # meaning (type; default)` under each group's title.
    public static func text(_ groups: [Group]) -> String {
        groups.map { group in
            (["# \(group.title)"]
                + group.keys.map { k in
                    let line = "\(k.name) = \(k.defaultText ?? "…")"
                    let given = k.presence == .optional && k.defaultText != nil ? "" : "; " + defaultCell(k)
                    let note = (k.type.summary + given).replacingOccurrences(of: "`", with: "")
                    return line.padding(toLength: max(36, line.count + 1), withPad: " ", startingAt: 0)
                        + "# " + docCell(k).replacingOccurrences(of: "`", with: "") + " (\(note))"
                }).joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    static func defaultCell(_ k: ConfigKey) -> String {
        switch k.presence {
        case .required: return "required"
        case .requiredWhenEnabled: return "required when enabled"
        case .optional:
            if let d = k.defaultText { return "`\(d)`" }
            return k.derivedDefault ?? "none"
        }
    }

    static func docCell(_ k: ConfigKey) -> String {
        k.secret ? k.doc + " (secret)" : k.doc
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
