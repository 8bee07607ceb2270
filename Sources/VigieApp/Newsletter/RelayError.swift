import VigieCore

/// A send stopped because of the relay: one line naming it (host:port, never credentials) and the cause; no delivery
/// was touched, so running the same command again resumes.
public struct RelayError: Error, CustomStringConvertible, Sendable {
    /// `host:port` of the relay; nil until the use case that knows the endpoint names it.
    public var relay: String?
    public var fault: RelayFault
    /// Set when every connection gave up after this many faults in a row (rather than at once).
    public var attempts: Int?
    /// What the run's rows are called in the message (`delivery`, `message`).
    public var rows = "delivery"

    public init(relay: String? = nil, fault: RelayFault, attempts: Int? = nil) {
        self.relay = relay
        self.fault = fault
        self.attempts = attempts
    }

    public var description: String {
        let tries = attempts.map { " (gave up after \($0) tries)" } ?? ""
        return "relay \(relay ?? "(unnamed)"): \(fault.cause)\(tries); no \(rows) was marked, "
            + "run the same command again once the relay is fixed"
    }
}
