import Testing
import VigieCore

@Suite("AutomaticMail")
struct AutomaticMailTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var headers: [(String, String)]
        var from: String? = "citoyen@example.net"
        var subject: String? = nil
        var contentType = "text/plain"
        var reason: String?
        var testDescription: String { reason ?? "human: \(headers.map(\.0))" }
    }

    static let cases: [Case] = [
        Case(headers: [("Auto-Submitted", "auto-replied")], reason: "Auto-Submitted: auto-replied"),
        Case(
            headers: [("auto-submitted", "Auto-Generated; owner-email=x@example.net")],
            reason: "Auto-Submitted: auto-generated"),
        Case(headers: [("Auto-Submitted", "no")], reason: nil),
        Case(headers: [("Auto-Submitted", "No (human)")], reason: nil),
        Case(headers: [("Precedence", "bulk")], reason: "Precedence: bulk"),
        Case(headers: [("Precedence", "JUNK")], reason: "Precedence: junk"),
        Case(headers: [("Precedence", "list")], reason: "Precedence: list"),
        Case(headers: [("Precedence", "first-class")], reason: nil),
        Case(headers: [("List-Id", "Annonces <annonces.example.net>")], reason: "List-Id present"),
        Case(headers: [("Return-Path", "<>")], reason: "null sender"),
        Case(headers: [("Return-Path", "< >")], reason: "null sender"),
        Case(headers: [("Return-Path", "<citoyen@example.net>")], reason: nil),
        Case(headers: [], from: "MAILER-DAEMON@mx.example.net", reason: "sender is MAILER-DAEMON"),
        Case(headers: [], from: "mailer-daemon@mx.example.net", reason: "sender is MAILER-DAEMON"),
        Case(headers: [], from: "Postmaster@example.net", reason: "sender is postmaster"),
        Case(headers: [("Sender", "Mail System <MAILER-DAEMON@example.net>")], reason: "sender is MAILER-DAEMON"),
        Case(headers: [], contentType: "multipart/report", reason: "delivery status notification"),
        // Weak signals alone are a human's mail.
        Case(headers: [("X-Autoreply", "yes")], reason: nil),
        Case(headers: [("X-Autorespond", "yes")], reason: nil),
        Case(headers: [], subject: "Réponse automatique : absent", reason: nil),
        Case(headers: [], subject: "Out of Office", reason: nil),
        Case(headers: [], from: "daemon.fan@example.net", reason: nil),
        Case(headers: [], from: nil, reason: nil),
    ]

    @Test(arguments: cases)
    func classify(_ c: Case) {
        var m = ParsedMessage()
        m.headers = c.headers.map { HeaderField(name: $0.0, value: $0.1) }
        m.from = c.from.map { MailAddress(address: $0) }
        m.subject = c.subject
        m.contentType = c.contentType
        #expect(AutomaticMail.reason(for: m) == c.reason)
    }

    @Test func proseAboutAutoRepliesIsHuman() {
        var m = ParsedMessage()
        m.from = MailAddress(name: "Léa", address: "lea@example.net")
        m.subject = "Réponse automatique reçue"
        m.text = "Bonjour, j'ai reçu une réponse automatique (Auto-Submitted: auto-replied) de votre part."
        #expect(AutomaticMail.reason(for: m) == nil)
    }
}
