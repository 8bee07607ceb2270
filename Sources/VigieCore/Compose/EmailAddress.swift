import Foundation

/// Validation of the addresses we send to (RFC 5321 §4.1.2 / §4.5.3.1), before they ever reach SMTP.
public enum EmailAddress {
    /// The normalised address (domain lowercased, local part kept as written) or nil when it is not deliverable
    /// syntax: dot-atom or quoted local part ≤ 64 octets, a DNS domain of ≥ 2 labels, ≤ 254 octets in all.
    public static func validate(_ input: String) -> String? {
        let address = input.trimmingCharacters(in: .whitespaces)
        guard address.utf8.count <= 254, let at = address.lastIndex(of: "@") else { return nil }
        let local = String(address[..<at])
        let domain = String(address[address.index(after: at)...]).lowercased()
        guard !local.isEmpty, local.utf8.count <= 64, isValidLocalPart(local), isValidDomain(domain) else {
            return nil
        }
        return local + "@" + domain
    }

    static func isValidLocalPart(_ local: String) -> Bool {
        let scalars = Array(local.unicodeScalars)
        if scalars.first == "\"" { return isValidQuotedString(scalars) }
        // dot-atom: atext runs separated by single dots, no leading or trailing dot.
        if scalars.first == "." || scalars.last == "." || local.contains("..") { return false }
        return scalars.allSatisfy { $0 == "." || HeaderEncoding.isAtext($0) }
    }

    /// `"…"` with qtext (printable ASCII but `"` and `\`, plus space) and quoted pairs.
    static func isValidQuotedString(_ s: [Unicode.Scalar]) -> Bool {
        guard s.count >= 2, s.last == "\"" else { return false }
        var i = 1
        while i < s.count - 1 {
            let c = s[i]
            if c == "\\" {
                guard i + 1 < s.count - 1, (32...126).contains(s[i + 1].value) else { return false }
                i += 2
                continue
            }
            guard (32...126).contains(c.value), c != "\"" else { return false }
            i += 1
        }
        return true
    }

    static func isValidDomain(_ domain: String) -> Bool {
        guard domain.utf8.count <= 253 else { return false }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            guard label.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
            else { return false }
        }
        // A top-level domain is never all digits (that would be an IP address written without brackets).
        return !labels.last!.allSatisfy(\.isNumber)
    }
}
