import Foundation

/// Shortcuts for Foundation's `trimmingCharacters(in:)`, which costs thousands of instructions a call on Linux: skipped
/// when both ends are ASCII bytes outside the set, the common case.
enum BlankEnds {
    /// True when a string whose UTF-8 starts with `first` and ends with `last` keeps both ends.
    static func keeps(_ first: UInt8?, _ last: UInt8?, asciiMembers isMember: (UInt8) -> Bool) -> Bool {
        guard let first, let last else { return false }
        return first < 0x80 && last < 0x80 && !isMember(first) && !isMember(last)
    }

    /// The ASCII members of `.whitespacesAndNewlines`.
    static func isASCIIBlank(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
}

extension String {
    /// `trimmingCharacters(in: set)` where every ASCII member of `set` satisfies `isMember`.
    public func trimming(_ set: CharacterSet, asciiMembers isMember: (UInt8) -> Bool) -> String {
        BlankEnds.keeps(utf8.first, utf8.last, asciiMembers: isMember) ? self : trimmingCharacters(in: set)
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingBlankEnds() -> String {
        trimming(.whitespacesAndNewlines, asciiMembers: BlankEnds.isASCIIBlank)
    }
}

extension Substring {
    /// `trimmingCharacters(in: set)` where every ASCII member of `set` satisfies `isMember`.
    public func trimming(_ set: CharacterSet, asciiMembers isMember: (UInt8) -> Bool) -> String {
        BlankEnds.keeps(utf8.first, utf8.last, asciiMembers: isMember) ? String(self) : trimmingCharacters(in: set)
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingBlankEnds() -> String {
        trimming(.whitespacesAndNewlines, asciiMembers: BlankEnds.isASCIIBlank)
    }
}
