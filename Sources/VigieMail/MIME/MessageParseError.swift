/// Why a raw message yielded nothing usable; the raw bytes are still kept by intake, with this description.
public enum MessageParseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Zero bytes, or only whitespace.
    case empty
    /// No header field could be read at the start: not an RFC 5322 message.
    case notAMail
    /// libetpan refused the message as a whole.
    case refused(code: Int32, reason: String)

    public var description: String {
        switch self {
        case .empty: return "empty message"
        case .notAMail: return "not a mail message: no header field found at the start"
        case .refused(_, let reason): return "MIME parser refused the message: \(reason)"
        }
    }

    init(_ error: EtpanError) {
        self = .refused(code: error.code, reason: error.description)
    }
}
