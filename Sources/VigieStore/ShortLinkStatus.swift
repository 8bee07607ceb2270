/// Where the resolution of a short link stands (`short_links.status`).
enum ShortLinkStatus: String, Sendable, CaseIterable {
    /// Not resolved yet: tried again at `next_attempt_at`.
    case pending
    /// `final_url` holds where it leads.
    case resolved
    /// Given up after the last attempt.
    case failed
}
