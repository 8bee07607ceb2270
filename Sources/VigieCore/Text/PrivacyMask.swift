import Foundation

/// Takes people's identities out of text quoted to third parties (a citizen's words in the moderators' digest).
public enum PrivacyMask {
    /// What replaces an e-mail address.
    public static let addressMark = "[adresse masquée]"
    /// What replaces a person's name.
    public static let nameMark = "[nom masqué]"

    /// Drops the signature (after a `-- ` line), replaces every e-mail address and every word of `names` (whole words
    /// of three letters or more, any case) with a mark.
    public static func mask(_ text: String, names: [String]) -> String {
        var body = text
        if let sig = body.range(of: "\n-- \n") ?? body.range(of: "\n--\n") { body = String(body[..<sig.lowerBound]) }
        var out = ""
        var word = ""
        let nameWords = Set(names.flatMap(words).filter { $0.count >= 3 }.map { $0.lowercased() })
        func flush() {
            guard !word.isEmpty else { return }
            // Anything shaped like local@domain, valid or not: better one word too many masked than an address shown.
            if word.split(separator: "@", omittingEmptySubsequences: true).count >= 2 {
                out += addressMark
            } else {
                out += maskNames(word, nameWords)
            }
            word = ""
        }
        for ch in body {
            if ch.isWhitespace || ch == "<" || ch == ">" || ch == "(" || ch == ")" || ch == "," || ch == ";" {
                flush()
                out.append(ch)
            } else {
                word.append(ch)
            }
        }
        flush()
        return out
    }

    /// Replaces the name words inside one whitespace-delimited token (`Dupont.` → `[nom masqué].`).
    static func maskNames(_ token: String, _ names: Set<String>) -> String {
        guard !names.isEmpty else { return token }
        var out = ""
        var run = ""
        func flush() {
            if !run.isEmpty { out += names.contains(run.lowercased()) ? nameMark : run }
            run = ""
        }
        for ch in token {
            if ch.isLetter || ch.isNumber {
                run.append(ch)
            } else {
                flush()
                out.append(ch)
            }
        }
        flush()
        return out
    }

    /// The words of a display name or of an address's local part (`jean.dupont` → jean, dupont).
    static func words(_ s: String) -> [String] {
        let local = s.split(separator: "@").first.map(String.init) ?? s
        return (s.contains("@") ? local : s).split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
    }
}
