import Foundation

/// The moderators' workflow rules, pure: which moves each status allows, what each move must carry, when a notice
/// may be written. The one place that decides; the store only persists what these rules allowed, atomically.
public struct ModerationRules: Sendable, Equatable {
    /// The offences file's entries: offences to qualify with and aggravating circumstances.
    public let offences: [Offence]

    public init(offences: [Offence]) {
        self.offences = offences
    }

    /// Rules over bare offence codes, none of them an aggravating circumstance.
    public init(knownOffences: Set<String>) {
        self.offences = knownOffences.sorted().map { Offence(code: $0, label: $0, reference: "") }
    }

    /// Codes a cluster may be qualified with (aggravating circumstances are mentioned in the note instead).
    public var qualifyingCodes: Set<String> { Set(offences.filter { !$0.modifier }.map(\.code)) }

    /// Nil when `change` is allowed from `current`, else the one-line reason it is refused.
    public func refusal(from current: ModerationStatus, change: ModerationChange) -> String? {
        if change.to == .qualified, let code = change.offence,
            offences.contains(where: { $0.code == code && $0.modifier })
        {
            return "\(code) is an aggravating circumstance, not an offence: qualify with the offence and mention it "
                + "with --note"
        }
        guard current.allowedNext.contains(change.to) else {
            let allowed = current.allowedNext.map(\.rawValue).sorted()
            return "cannot go from \(current.rawValue) to \(change.to.rawValue); from \(current.rawValue) the next "
                + "status is " + (allowed.isEmpty ? "none (final)" : allowed.joined(separator: " or "))
        }
        switch change.to {
        case .qualified:
            let known = qualifyingCodes
            guard let code = change.offence, !code.isEmpty else { return "qualifying needs an offence code" }
            guard known.contains(code) else {
                return "unknown offence \(SafeText.quoted(code)); known codes: "
                    + known.sorted().joined(separator: ", ")
            }
        case .rejected:
            guard let r = change.reason, !r.trimmingCharacters(in: .whitespaces).isEmpty else {
                return "rejecting needs a reason (--reason TEXT)"
            }
        case .new, .notified, .removed, .online:
            break
        }
        if change.author.trimmingCharacters(in: .whitespaces).isEmpty { return "every change needs an author" }
        return nil
    }

    /// Throws the refusal of `change` for cluster `clusterID`, now in `current`, if the rules refuse it.
    public func check(clusterID: Int64, from current: ModerationStatus, change: ModerationChange) throws {
        if let refusal = refusal(from: current, change: change) {
            throw ModerationError(clusterID: clusterID, message: refusal)
        }
    }

    /// The offence a notice to the platform cites (DSA art. 16(2)); refused unless the cluster is qualified (or
    /// notified, or still online at recheck) with an offence of this file.
    public func noticeOffence(clusterID: Int64, status: ModerationStatus, code: String?) throws -> Offence {
        guard [.qualified, .notified, .online].contains(status), let code,
            let offence = offences.first(where: { $0.code == code })
        else {
            throw ModerationError(
                clusterID: clusterID,
                message: "is \(status.rawValue), not qualified: qualify it "
                    + "first with vigie clusters qualify \(clusterID) CODE")
        }
        return offence
    }

    /// Nil when `change` is allowed from `current` with offences `knownOffences`, else the reason it is refused.
    public static func refusal(
        from current: ModerationStatus, change: ModerationChange,
        knownOffences: Set<String>
    ) -> String? {
        ModerationRules(knownOffences: knownOffences).refusal(from: current, change: change)
    }
}
