/// A job run once per period of a `DailySchedule`; `schedule_runs` records the periods each one served.
public enum ScheduledJob: String, Sendable, Codable, CaseIterable {
    /// The moderators' daily digest.
    case digest
}
