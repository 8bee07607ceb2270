import Foundation

/// Warnings for editors before an edition goes out; none of them blocks sending.
public enum EditorialChecks {
    /// Checks that need nothing but the edition: source diversity, an international item, duplicate links.
    /// `identity` maps a URL to its content identity (duplicates are the same content, however written).
    public static func warnings(for edition: Edition, identity: (String) -> String?) -> [String] {
        var out: [String] = []
        let press = edition.press
        if !press.isEmpty {
            var bySource: [String: Int] = [:]
            for p in press { bySource[p.source.lowercased().trimmingCharacters(in: .whitespaces), default: 0] += 1 }
            for (source, n) in bySource.sorted(by: { $0.key < $1.key }) where n * 3 > press.count && press.count >= 3 {
                let name = press.first { $0.source.lowercased().trimmingCharacters(in: .whitespaces) == source }!.source
                out.append(
                    "press review: \(name) holds \(n) of \(press.count) items (more than a third); "
                        + "diversify the sources")
            }
            if !press.contains(where: { $0.language != "fr" && !$0.language.hasPrefix("fr-") }) {
                out.append("press review: no international item (every article is in French)")
            }
        } else {
            out.append("press review: empty")
        }
        var seen: [String: String] = [:]
        let all =
            edition.news.map { ($0.url, "news \"\($0.title)\"") } + press.map { ($0.url, "press \"\($0.title)\"") }
        for (url, label) in all {
            let key = identity(url) ?? url
            if let first = seen[key] {
                out.append("duplicate link: \(label) points to the same content as \(first) (\(url))")
            } else {
                seen[key] = label
            }
        }
        return out
    }
}
