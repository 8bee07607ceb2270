import Foundation

/// The Message-IDs named by `In-Reply-To` or `References` (`<a@b> <c@d>`), without angle brackets, in order.
public enum MessageIDList {
    /// Every `<…>` token of `header`; a bare token (no brackets, as some clients write) is taken whole.
    public static func ids(in header: String?) -> [String] {
        guard let header else { return [] }
        var out: [String] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty, !out.contains(id) { out.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if out.isEmpty && !header.contains("<") {
            let bare = header.trimmingCharacters(in: .whitespacesAndNewlines)
            if !bare.isEmpty, !bare.contains(" "), bare.contains("@") { out.append(bare) }
        }
        return out
    }
}
