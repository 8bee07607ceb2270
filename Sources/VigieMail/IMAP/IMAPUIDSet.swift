import CEtpan

/// A set of UIDs as the fewest IMAP ranges (`1:500,502,510:520`), so one command covers a whole batch.
struct IMAPUIDSet: Equatable {
    /// Ascending, disjoint, non-adjacent ranges.
    let ranges: [ClosedRange<UInt32>]

    init(_ uids: [UInt32]) {
        var ranges: [ClosedRange<UInt32>] = []
        for uid in Set(uids).sorted() where uid > 0 {
            if let last = ranges.last, last.upperBound &+ 1 == uid {
                ranges[ranges.count - 1] = last.lowerBound...uid
            } else {
                ranges.append(uid...uid)
            }
        }
        self.ranges = ranges
    }

    var isEmpty: Bool { ranges.isEmpty }

    /// The IMAP sequence-set syntax, for logs.
    var imapString: String {
        ranges.map { $0.lowerBound == $0.upperBound ? "\($0.lowerBound)" : "\($0.lowerBound):\($0.upperBound)" }
            .joined(separator: ",")
    }

    /// A libetpan set the caller must free with `mailimap_set_free`.
    func makeEtpanSet() throws -> UnsafeMutablePointer<mailimap_set> {
        guard let set = mailimap_set_new_empty() else { throw EtpanError.outOfMemory("building a UID set") }
        for range in ranges where mailimap_set_add_interval(set, range.lowerBound, range.upperBound) != 0 {
            mailimap_set_free(set)
            throw EtpanError.outOfMemory("building a UID set")
        }
        return set
    }
}
