import Foundation

/// What a message to the subscriptions mailbox asks for: an unsubscribe (mailto link) or a bounce (VERP + DSN).
public enum SubscriberMail {
    public enum Kind: Sendable, Equatable {
        /// `unsubscribe-TOKEN` in the subject, as the List-Unsubscribe mailto link writes it.
        case unsubscribe(token: String)
        /// A permanent failure (DSN status 5.x.x or action failed) for the subscriber the VERP token names.
        case hardBounce(token: String, detail: String)
        /// A temporary failure (4.x.x, delayed), or a bounce that says too little to be sure.
        case softBounce(token: String, detail: String)
        /// Nothing Vigie can act on; kept for a human.
        case other
    }

    /// Classifies one message; `raw` is searched for the DSN fields, `headers` for the VERP recipient.
    public static func classify(subject: String?, headers: [HeaderField], raw: [UInt8], list: ListHeaders) -> Kind {
        if let s = subject?.trimmingCharacters(in: .whitespaces).lowercased(), s.hasPrefix("unsubscribe") {
            let rest = s.dropFirst("unsubscribe".count).drop { $0 == "-" || $0 == " " || $0 == ":" }
            let token = String(rest.prefix { !$0.isWhitespace })
            if ListHeaders.isSafeToken(token) { return .unsubscribe(token: token) }
        }
        var token: String?
        for name in ["delivered-to", "x-original-to", "envelope-to", "to", "x-envelope-to"] where token == nil {
            for h in headers where h.name.lowercased() == name {
                for candidate in h.value.split(separator: ",") {
                    if let t = list.token(fromBounceRecipient: String(candidate).trimmingCharacters(in: .whitespaces)) {
                        token = t
                        break
                    }
                }
            }
        }
        guard let token else { return .other }
        let text = String(decoding: raw, as: UTF8.self)
        let status = field("Status", in: text)
        let action = field("Action", in: text)?.lowercased()
        let diagnostic = field("Diagnostic-Code", in: text)
        let detail = [status.map { "status \($0)" }, action.map { "action \($0)" }, diagnostic]
            .compactMap { $0 }.joined(separator: "; ")
        if let status, status.hasPrefix("5") { return .hardBounce(token: token, detail: detail) }
        if action == "failed" && status == nil { return .hardBounce(token: token, detail: detail) }
        return .softBounce(token: token, detail: detail.isEmpty ? "bounce without delivery status" : detail)
    }

    /// The value of the first `Name: value` line (a DSN per-recipient field), trimmed.
    static func field(_ name: String, in text: String) -> String? {
        let prefix = name.lowercased() + ":"
        for line in text.split(whereSeparator: \.isNewline) {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.lowercased().hasPrefix(prefix) {
                let v = l.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                if !v.isEmpty { return String(v.prefix(300)) }
            }
        }
        return nil
    }
}
