import VigieCore

/// `[rechecks]` of vigie.toml: how notified URLs are checked again.
public struct RecheckSettings: Sendable, Equatable {
    public var enabled = true
    public var perHostIntervalSeconds = 2.0
    public var timeoutSeconds = 10
    public var maxBodyBytes = 16 * 1024
    public var concurrency = 4
    public var schedule = RecheckSchedule.standard

    public init() {}

    static func read(_ t: TOMLReader) throws -> RecheckSettings {
        typealias K = MainKeys.Rechecks
        var s = RecheckSettings()
        s.enabled = try K.enabled.read(t)
        s.perHostIntervalSeconds = try K.perHostIntervalSeconds.read(t)
        s.timeoutSeconds = try K.timeoutSeconds.read(t)
        s.maxBodyBytes = try K.maxBodyKB.read(t) * 1024
        s.concurrency = try K.concurrency.read(t)
        return s
    }
}
