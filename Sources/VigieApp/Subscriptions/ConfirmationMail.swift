import Foundation
import VigieCore

/// The confirmation mail of the double opt-in (French, `Auto-Submitted: auto-generated`), composed from the
/// templates `confirmation.{txt,html}` and sent through an outbox queue.
struct ConfirmationMail: Sendable {
    let queue: String
    let from: MailAddress
    let organisation: VigieConfig.Organisation
    let publicURL: String
    let text: LoadedTemplate
    let html: LoadedTemplate

    /// The outbox item for request `requestID` (dedupe key `confirm:request:ID`, null envelope sender).
    func item(requestID: Int64, to: String, name: String?, token: String, now: Date) -> OutboxItem {
        let link = publicURL + "/confirm/" + token
        let expires = now.addingTimeInterval(ConfirmationTokens.validity)
        let f = DateFormatter()
        f.locale = Locale(identifier: "fr_FR")
        f.timeZone = TimeZone(identifier: "Europe/Paris") ?? .current
        f.dateFormat = "EEEE d MMMM yyyy 'à' HH'h'mm"
        let context: [String: Any] = [
            "organisation": organisation.name, "website": organisation.website ?? false,
            "privacy_contact": organisation.email ?? false, "link": link, "expires": f.string(from: expires),
            "name": name ?? false,
        ]
        let domain = from.address.split(separator: "@").last.map { String($0).lowercased() } ?? "localhost"
        let messageID = "confirm.\(requestID).\(String(UInt64.random(in: 0...UInt64.max), radix: 36))@\(domain)"
        let message = OutgoingMessage(
            from: from, to: MailAddress(name: name, address: to),
            subject: "Confirmez votre abonnement à la lettre de \(organisation.name)", date: now,
            timeZone: TimeZone(identifier: "Europe/Paris") ?? .current, messageID: messageID,
            headers: [
                HeaderField(name: "Auto-Submitted", value: "auto-generated"),
                HeaderField(name: "X-Auto-Response-Suppress", value: "All"),
            ], textBody: text.render(context), htmlBody: html.render(context))
        return OutboxItem(
            kind: .confirmation, queue: queue, dedupeKey: "confirm:request:\(requestID)", recipient: to,
            envelopeFrom: "", messageID: messageID, bytes: MessageComposer.compose(message),
            subjectRef: "subscription:\(requestID)")
    }
}
