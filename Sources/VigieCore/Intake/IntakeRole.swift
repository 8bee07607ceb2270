/// What an intake mailbox receives, hence how its messages are processed and where they are listed.
public enum IntakeRole: String, Sendable, CaseIterable {
    /// Citizens' reports of contents.
    case reports
    /// Subscribers' mail: unsubscribe requests, bounces, complaints.
    case subscriptions
    /// Platforms' answers to our notices, matched to their cluster by `In-Reply-To`/`References`.
    case platformReplies = "platform-replies"
}
