/// What one intake pass did, for logs and the command's summary line.
public struct IntakeStats: Sendable, Equatable {
    public var fetched = 0
    public var stored = 0
    public var duplicates = 0
    public var alreadyStored = 0
    public var tooLarge = 0
    public var parsed = 0
    public var automatic = 0
    public var unparsed = 0

    public init() {}

    static func + (a: IntakeStats, b: IntakeStats) -> IntakeStats {
        var s = a
        s.fetched += b.fetched
        s.stored += b.stored
        s.duplicates += b.duplicates
        s.alreadyStored += b.alreadyStored
        s.tooLarge += b.tooLarge
        s.parsed += b.parsed
        s.automatic += b.automatic
        s.unparsed += b.unparsed
        return s
    }

    /// One line for humans.
    public var summary: String {
        "fetched \(fetched), stored \(stored) (reports \(parsed), automatic \(automatic), unparsed \(unparsed), "
            + "too large \(tooLarge)), duplicates \(duplicates + alreadyStored)"
    }
}
