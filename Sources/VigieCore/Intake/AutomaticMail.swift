import Foundation

/// Tells machine-sent mail (auto-replies, bounces, lists) from a citizen's, so intake never acknowledges a robot and
/// starts a mail loop (RFC 3834 §2, RFC 2919, RFC 3464).
public enum AutomaticMail {
    /// A short reason when `message` was sent by a machine, nil for a human's mail.
    ///
    /// Only header evidence counts: a subject such as "Réponse automatique" or an `X-Autoreply` header alone is not
    /// enough, because citizens quote such words and some clients add those headers loosely.
    public static func reason(for message: ParsedMessage) -> String? {
        if let value = message.header("Auto-Submitted") {
            let keyword = firstToken(value)
            if !keyword.isEmpty && keyword != "no" { return "Auto-Submitted: \(keyword)" }
        }
        if let value = message.header("Precedence") {
            let keyword = firstToken(value)
            if keyword == "bulk" || keyword == "junk" || keyword == "list" { return "Precedence: \(keyword)" }
        }
        if message.header("List-Id") != nil { return "List-Id present" }
        if let returnPath = message.header("Return-Path") {
            let inner = returnPath.filter { $0 != " " && $0 != "\t" }
            if inner == "<>" || inner.isEmpty { return "null sender" }
        }
        if message.contentType == "multipart/report" { return "delivery status notification" }
        var senders: [String] = []
        if let from = message.from { senders.append(from.address) }
        if let sender = message.header("Sender") { senders.append(sender) }
        for address in senders {
            let local = localPart(address)
            if local == "mailer-daemon" { return "sender is MAILER-DAEMON" }
            if local == "postmaster" { return "sender is postmaster" }
        }
        return nil
    }

    /// The lowercased first token of a header value (`auto-replied; owner-email=…` → `auto-replied`).
    static func firstToken(_ value: String) -> String {
        let lower = value.lowercased()
        var token = ""
        for ch in lower {
            if ch == ";" || ch == " " || ch == "\t" || ch == "(" {
                if token.isEmpty { continue }
                break
            }
            token.append(ch)
        }
        return token
    }

    /// The lowercased local part of an address, tolerating a display name and angle brackets.
    static func localPart(_ address: String) -> String {
        var s = Substring(address.lowercased())
        if let open = s.lastIndex(of: "<") { s = s[s.index(after: open)...] }
        if let at = s.lastIndex(of: "@") { s = s[..<at] }
        return s.trimming([" ", "\t", "\"", "<", ">"]) { " \t\"<>".utf8.contains($0) }.lowercased()
    }
}
