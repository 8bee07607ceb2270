import Foundation
import Logging
import VigieCore
import VigieMail
import VigieStore

/// What `newsletter test` did for one editor's address.
public struct ProofResult: Sendable {
    public var address: String
    public var reply: SMTPReply
}

extension NewsletterService {
    /// Queues an edition for `serve`, at `at` or else at the edition's `send_at`; returns the schedule's id and time.
    public func schedule(
        _ edition: Edition, sha256: String, source: String, at: Date?, queue: String?,
        now: Date = Date()
    ) throws -> (id: Int64, sendAt: Date) {
        guard let when = at ?? edition.sendAt.flatMap({ EditionSchedule.instant($0) }) else {
            throw ConfigError(
                "edition \(edition.id): no time to send it: give --at TIME (e.g. 2026-11-21T07:30) or "
                    + "send_at in the edition file")
        }
        guard when > now.addingTimeInterval(-60) else {
            throw ConfigError(
                "edition \(edition.id): \(Self.iso(when)) is in the past; give a later time, or send it "
                    + "now with vigie newsletter send")
        }
        let id = try store.scheduleEdition(
            editionID: edition.id, queue: queue, source: source, sourceSHA256: sha256,
            sendAt: when, now: now)
        logger.info("edition \(edition.id): scheduled (#\(id)) for \(Self.iso(when))")
        return (id, when)
    }

    /// Sends a proof of the edition to each editor's address (subject prefixed `[TEST]`) through the newsletter's
    /// relay; no delivery row is created or touched. Throws `RelayError` on a fault of the relay.
    public func sendProof(
        _ edition: Edition, to addresses: [String],
        makeTransport: Dispatcher.TransportFactory? = nil
    ) throws -> [ProofResult] {
        var proof = edition
        proof.subject = "[TEST] " + edition.subject
        let renderer = try NewsletterRenderer(
            edition: proof, settings: settings, organisation: config.organisation,
            templates: templates)
        let endpoint = settings.smtp
        let transport = (makeTransport ?? { CurlSMTPTransport(settings: endpoint) })()
        var results: [ProofResult] = []
        for address in addresses {
            let m = renderer.message(subscriberID: 0, email: address, name: nil, salt: 0)
            // The editors' bounces go to the list's sender, not to a subscriber's VERP address.
            let reply = transport.send(from: settings.from.address, to: address, message: m.bytes)
            if let fault = RelayFault(reply: reply) {
                throw RelayError(relay: endpoint.relayName, fault: fault)
            }
            logger.info("edition \(edition.id): proof \(reply.isAccepted ? "sent" : "refused (\(reply.code))")")
            logger.debug("edition \(edition.id): proof to \(address): \(reply.code) \(reply.text)")
            results.append(ProofResult(address: address, reply: reply))
        }
        return results
    }

    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        f.timeZone = .current
        return f.string(from: d)
    }
}
