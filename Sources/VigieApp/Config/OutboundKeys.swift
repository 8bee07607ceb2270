import VigieCore

/// The keys each outbound queue kind accepts, with their types; anything else in the file is an error.
enum OutboundKeys {
    enum Kind { case string, bool, int(ClosedRange<Int>), number(ClosedRange<Double>), strings }

    static let smtpOverride: [String: Kind] = [
        "smtp_url": .string, "starttls": .bool, "user": .string, "password": .string, "password_env": .string,
        "password_file": .string, "ca_file": .string, "from": .string, "timeout_seconds": .int(1...600),
    ]

    static func keys(for kind: OutboundQueue.Kind) -> [String: Kind] {
        switch kind {
        case .newsletter:
            return smtpOverride.merging([
                "rate_per_second": .number(0...100_000), "max_per_hour": .int(0...100_000_000),
                "connections": .int(1...64), "batch_size": .int(1...1_000_000),
                "pause_between_batches_seconds": .number(0...86_400), "max_messages_per_connection": .int(1...1_000_000),
                "max_attempts": .int(1...100), "retry_base_seconds": .number(0...86_400), "list_id": .string,
                "unsubscribe_url_base": .string, "unsubscribe_mailto": .string, "return_path": .string,
                "secret_env": .string, "secret_file": .string,
            ]) { a, _ in a }
        case .digest:
            return smtpOverride.merging([
                "to": .strings, "top": .int(1...1000), "schedule": .string, "subject": .string,
            ]) { a, _ in a }
        case .acknowledgements:
            return smtpOverride.merging([
                "min_interval_hours": .int(0...10_000), "subject": .string,
            ]) { a, _ in a }
        }
    }

    /// Reads every known key with its type, so type errors name the key and `finish()` names unknown ones.
    static func validate(_ r: TOMLReader, kind: OutboundQueue.Kind) throws {
        for (key, type) in keys(for: kind).sorted(by: { $0.key < $1.key }) {
            switch type {
            case .string: _ = try r.string(key)
            case .bool: _ = try r.bool(key, default: false)
            case .int(let range): _ = try r.int(key, default: range.lowerBound, range: range)
            case .number(let range): _ = try r.double(key, default: range.lowerBound, range: range)
            case .strings: _ = try r.stringArray(key, default: [])
            }
        }
    }
}
