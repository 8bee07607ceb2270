import Foundation

/// What a message to the subscriptions mailbox asks for: an unsubscribe (mailto link or a word), a subscription, a
/// bounce (VERP + DSN) or a spam complaint (ARF, RFC 5965).
public enum SubscriberMail {
    public enum Kind: Sendable, Equatable {
        /// `unsubscribe-TOKEN` in the subject, as the List-Unsubscribe mailto link writes it.
        case unsubscribe(token: String)
        /// A permanent failure (DSN status 5.x.x or action failed) for the subscriber the VERP token names.
        case hardBounce(token: String, detail: String)
        /// A temporary failure (4.x.x, delayed), or a bounce that says too little to be sure.
        case softBounce(token: String, detail: String)
        /// `abonnement` or `subscribe` as the subject or first line: the sender asks to join (double opt-in).
        case subscribe
        /// `désabonnement` or `unsubscribe` without a token: the sender asks to leave.
        case unsubscribeSender
        /// An ARF feedback report about one of our messages: its recipient complained; nil token = not ours.
        case complaint(token: String?, detail: String)
        /// Nothing Vigie can act on; kept for a human.
        case other
    }

    /// The words that ask to join, and to leave, as a subject or a first line (lowercased, accents kept).
    static let subscribeWords: Set<String> = ["abonnement", "subscribe", "s'abonner", "s’abonner", "inscription"]
    static let unsubscribeWords: Set<String> = [
        "désabonnement", "desabonnement", "unsubscribe", "se désabonner", "désinscription", "desinscription",
    ]

    /// The command word of a subject or first line: lowercased, trimmed, without a trailing period.
    static func command(_ text: String?) -> String? {
        guard var t = text?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !t.isEmpty else {
            return nil
        }
        while t.hasSuffix(".") || t.hasSuffix("!") { t.removeLast() }
        return t.trimmingCharacters(in: .whitespaces)
    }

    /// Classifies one message; `raw` is searched for the DSN fields, `headers` for the VERP recipient.
    /// `firstLine`: the first non-empty line of the text body, for a request written there.
    public static func classify(
        subject: String?, headers: [HeaderField], raw: [UInt8], list: ListHeaders, firstLine: String? = nil
    ) -> Kind {
        if let contentType = headers.first(where: { $0.name.lowercased() == "content-type" })?.value.lowercased(),
            contentType.contains("multipart/report"), contentType.contains("feedback-report")
        {
            return complaint(raw: raw, list: list)
        }
        if let s = subject?.trimmingCharacters(in: .whitespaces).lowercased(), s.hasPrefix("unsubscribe") {
            let rest = s.dropFirst("unsubscribe".count).drop { $0 == "-" || $0 == " " || $0 == ":" }
            let token = String(rest.prefix { !$0.isWhitespace })
            if ListHeaders.isSafeToken(token) { return .unsubscribe(token: token) }
        }
        let words = [command(subject), command(firstLine)].compactMap { $0 }
        let strippedSubject = command(subject).map(Self.withoutReplyPrefix)
        if words.contains(where: subscribeWords.contains) || strippedSubject.map(subscribeWords.contains) == true {
            return .subscribe
        }
        if words.contains(where: unsubscribeWords.contains) || strippedSubject.map(unsubscribeWords.contains) == true {
            return .unsubscribeSender
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

    /// A subject without its `Re:`/`Fwd:` prefixes (a reply to the confirmation mail says the same thing).
    static func withoutReplyPrefix(_ s: String) -> String {
        var t = Substring(s)
        while let colon = t.firstIndex(of: ":"), ["re", "fwd", "fw", "tr"].contains(t[..<colon].lowercased()) {
            t = t[t.index(after: colon)...].drop { $0 == " " }
        }
        return String(t)
    }

    /// A feedback report: the token from the returned message's `List-Unsubscribe` URL or its VERP `Return-Path`,
    /// the feedback type and the reporting agent as the detail.
    static func complaint(raw: [UInt8], list: ListHeaders) -> Kind {
        let text = String(decoding: raw, as: UTF8.self)
        let detail = [
            field("Feedback-Type", in: text).map { "feedback type \($0)" },
            field("User-Agent", in: text).map { "from \($0)" },
        ].compactMap { $0 }.joined(separator: "; ")
        var base = list.unsubscribeURLBase
        if !base.hasSuffix("/") { base += "/" }
        var token: String?
        if let r = text.range(of: base, options: .caseInsensitive) {
            let t = String(text[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            if ListHeaders.isSafeToken(t) { token = t }
        }
        if token == nil {
            for line in text.split(whereSeparator: \.isNewline) {
                let l = line.trimmingCharacters(in: .whitespaces)
                guard l.lowercased().hasPrefix("return-path:") || l.lowercased().hasPrefix("original-mail-from:")
                else { continue }
                let value = l.drop { $0 != ":" }.dropFirst()
                if let t = list.token(fromBounceRecipient: value.trimmingCharacters(in: .whitespaces)) {
                    token = t
                    break
                }
            }
        }
        return .complaint(token: token, detail: detail.isEmpty ? "feedback report" : detail)
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
