import Foundation

/// The bulk-mail fields of a newsletter message and its VERP envelope sender, from an opaque per-subscriber token.
///
/// The token itself (an HMAC of subscriber and list) is computed outside the core; it must be URL- and
/// local-part-safe: letters, digits, `-` and `_` only.
public struct ListHeaders: Sendable, Hashable {
    /// `List-Id` value, e.g. `Vigie <newsletter.vigie.example.org>` (RFC 2919).
    public var listID: String
    /// The one-click endpoint base, e.g. `https://vigie.example.org/u/`; the token is appended.
    public var unsubscribeURLBase: String
    /// The mailbox that takes `unsubscribe-TOKEN` requests by mail, e.g. `desabonnement@vigie.example.org`.
    public var unsubscribeMailbox: String
    /// The domain of the VERP envelope sender `bounces+TOKEN@domain`.
    public var bounceDomain: String
    /// The local part before `+` in the VERP address.
    public var bouncePrefix: String

    public init(
        listID: String, unsubscribeURLBase: String, unsubscribeMailbox: String, bounceDomain: String,
        bouncePrefix: String = "bounces"
    ) {
        self.listID = listID
        self.unsubscribeURLBase = unsubscribeURLBase
        self.unsubscribeMailbox = unsubscribeMailbox
        self.bounceDomain = bounceDomain
        self.bouncePrefix = bouncePrefix
    }

    /// True when a token can go verbatim into a URL path and a local part.
    public static func isSafeToken(_ token: String) -> Bool {
        !token.isEmpty
            && token.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    || $0 == "_"
            }
    }

    /// `List-Id`, `List-Unsubscribe` (URL and mailto), `List-Unsubscribe-Post` (RFC 8058), `Precedence: bulk`;
    /// nil when the token is not safe.
    public func fields(token: String) -> [HeaderField]? {
        guard Self.isSafeToken(token) else { return nil }
        var base = unsubscribeURLBase
        if !base.hasSuffix("/") { base += "/" }
        return [
            HeaderField(name: "List-Id", value: listID),
            HeaderField(
                name: "List-Unsubscribe",
                value: "<\(base)\(token)>, <mailto:\(unsubscribeMailbox)?subject=unsubscribe-\(token)>"),
            HeaderField(name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click"),
            HeaderField(name: "Precedence", value: "bulk"),
        ]
    }

    /// The VERP envelope sender `bounces+TOKEN@domain`; nil when the token is not safe.
    public func envelopeSender(token: String) -> String? {
        guard Self.isSafeToken(token) else { return nil }
        return "\(bouncePrefix)+\(token)@\(bounceDomain.lowercased())"
    }

    /// The token out of a bounce's recipient (`bounces+TOKEN@domain`, any case of the domain), or nil.
    public func token(fromBounceRecipient recipient: String) -> String? {
        let address = recipient.trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
        guard let at = address.lastIndex(of: "@"),
            address[address.index(after: at)...].lowercased() == bounceDomain.lowercased()
        else { return nil }
        let local = address[..<at]
        let prefix = bouncePrefix + "+"
        guard local.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        let token = String(local.dropFirst(prefix.count))
        return Self.isSafeToken(token) ? token : nil
    }
}
