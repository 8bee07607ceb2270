import Foundation

/// `[http] listen`: the host and port `serve` answers HTTP on (`127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:80`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (an IPv6 host in brackets); nil when it is not one.
    public init?(_ text: String) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, IPAddress(String(host)) != nil || Self.isHostName(host),
            portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func isHostName(_ s: Substring) -> Bool {
        s.count <= 253
            && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }
}

/// An IPv4 or IPv6 address as its bytes (4 or 16).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    /// Parses a textual address (`192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1` is kept as IPv6); nil otherwise.
    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`), else itself.
    public var unmapped: IPAddress {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return IPAddress(bytes: Array(bytes[12...]))
        }
        return self
    }

    public var isLoopback: Bool {
        let a = unmapped
        return a.bytes.count == 4 ? a.bytes[0] == 127 : a.bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    public var description: String {
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &out, socklen_t(out.count)) }
        return String(cString: out)
    }
}

/// An address block (`10.0.0.0/8`, `2001:db8::/32`, or one address) of `[http] trusted_proxies`.
public struct IPRange: Sendable, Equatable, CustomStringConvertible {
    public let address: IPAddress
    public let prefix: Int

    /// Parses `ADDRESS` or `ADDRESS/PREFIX`; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let a = IPAddress(String(parts[0]))?.unmapped else { return nil }
        let bits = a.bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard parts[1].allSatisfy(\.isASCII), let p = Int(parts[1]), (0...bits).contains(p) else { return nil }
            prefix = p
        }
        address = a
        self.prefix = prefix
    }

    /// Whether `ip` is in this block (IPv4-mapped IPv6 addresses match IPv4 blocks).
    public func contains(_ ip: IPAddress) -> Bool {
        let ip = ip.unmapped
        guard ip.bytes.count == address.bytes.count else { return false }
        var left = prefix
        for (a, b) in zip(ip.bytes, address.bytes) {
            if left <= 0 { return true }
            let mask: UInt8 = left >= 8 ? 0xff : ~(0xff >> UInt8(left))
            if a & mask != b & mask { return false }
            left -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefix)" }
}

/// The client's address behind reverse proxies: the peer, unless it is a trusted proxy, in which case the
/// `X-Forwarded-For` entries are read from the right and the first one not trusted is the client (RFC 7239's
/// reasoning: entries left of an untrusted hop can be forged by the client).
public enum ClientAddress {
    public static func resolve(peer: IPAddress?, forwardedFor: [String], trusted: [IPRange]) -> IPAddress? {
        guard var client = peer else { return nil }
        func isTrusted(_ a: IPAddress) -> Bool { trusted.contains { $0.contains(a) } }
        guard isTrusted(client) else { return client }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let a = IPAddress(hop) else { return client }
            client = a
            if !isTrusted(a) { return a }
        }
        return client
    }
}
