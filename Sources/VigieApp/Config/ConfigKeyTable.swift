/// The key reference generated from the declarations: the README's tables and `vigie config keys`.
public enum ConfigKeyTable {
    /// A group of keys: one queue kind, or one section of `vigie.toml`.
    public struct Group: Sendable {
        public let title: String
        public let keys: [ConfigKey]
    }

    /// Every queue kind, `kind` itself left out (the title names it).
    public static var queueGroups: [Group] {
        QueueKeys.kinds.map { kind in
            Group(title: "kind = \"\(kind)\"", keys: QueueKeys.keys(for: kind).filter { $0.name != QueueKeys.kind.name })
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
                lines.append("| `\(k.name)` | \(cell(k.type.summary)) | \(cell(defaultCell(k))) | \(cell(docCell(k))) |")
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    /// The same reference as TOML comments, for the terminal.
    public static func text(_ groups: [Group]) -> String {
        groups.map { group in
            ["# \(group.title)"] + group.keys.map { k in
                "\(k.name) = \(k.defaultText ?? "…")".padding(toLength: 44, withPad: " ", startingAt: 0)
                    + " # \(k.type.summary.replacingOccurrences(of: "`", with: "")); \(defaultCell(k).replacingOccurrences(of: "`", with: "")): "
                    + docCell(k).replacingOccurrences(of: "`", with: "")
            }
        }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
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
        k.secret ? k.doc + " (secret: never printed)" : k.doc
    }

    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
