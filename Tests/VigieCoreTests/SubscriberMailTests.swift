import Testing
import VigieCore

@Suite struct SubscriberMailTests {
    let list = ListHeaders(
        listID: "L <l.example.org>", unsubscribeURLBase: "https://example.org/u/",
        unsubscribeMailbox: "desinscription@example.org", bounceDomain: "example.org")

    func headers(_ pairs: [(String, String)]) -> [HeaderField] { pairs.map { HeaderField(name: $0.0, value: $0.1) } }

    @Test func mailtoUnsubscribe() {
        let k = SubscriberMail.classify(
            subject: "unsubscribe-1a-0123456789abcdef01234567", headers: [], raw: [],
            list: list)
        #expect(k == .unsubscribe(token: "1a-0123456789abcdef01234567"))
    }

    @Test func hardBounceFromAPostfixDSN() {
        let dsn = """
            Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r
            \r
            --b\r
            Content-Type: message/delivery-status\r
            \r
            Reporting-MTA: dns; mx.example.org\r
            \r
            Final-Recipient: rfc822; anne@exemple.fr\r
            Action: failed\r
            Status: 5.1.1\r
            Diagnostic-Code: smtp; 550 5.1.1 <anne@exemple.fr>: Recipient address rejected\r
            --b--\r

            """
        let k = SubscriberMail.classify(
            subject: "Undelivered Mail Returned to Sender",
            headers: headers([("To", "bounces+1a-0123456789abcdef01234567@example.org"), ("From", "MAILER-DAEMON")]),
            raw: Array(dsn.utf8), list: list)
        guard case .hardBounce(let token, let detail) = k else {
            Issue.record("expected a hard bounce, got \(k)")
            return
        }
        #expect(token == "1a-0123456789abcdef01234567")
        #expect(detail.contains("5.1.1"))
    }

    @Test func delayedIsSoftAndStrangersAreLeftAlone() {
        let k = SubscriberMail.classify(
            subject: "Delayed Mail",
            headers: headers([("Delivered-To", "bounces+2b-ffffffffffffffffffffffff@Example.org")]),
            raw: Array("Action: delayed\r\nStatus: 4.4.1\r\n".utf8), list: list)
        #expect(k == .softBounce(token: "2b-ffffffffffffffffffffffff", detail: "status 4.4.1; action delayed"))
        #expect(
            SubscriberMail.classify(
                subject: "Bonjour", headers: headers([("To", "contact@example.org")]), raw: [],
                list: list) == .other)
    }

    /// Requests written as a word, in the subject or on the first line, French or English; replies count too.
    @Test(
        arguments: [
            ("abonnement", nil, SubscriberMail.Kind.subscribe),
            ("Subscribe", nil, .subscribe),
            ("Re: Abonnement.", nil, .subscribe),
            (nil, "abonnement", .subscribe),
            ("Bonjour", "  S’abonner ", .subscribe),
            ("Désabonnement", nil, .unsubscribeSender),
            ("unsubscribe", nil, .unsubscribeSender),
            ("Fwd: désinscription", nil, .unsubscribeSender),
            (nil, "Unsubscribe", .unsubscribeSender),
            ("Votre lettre sur l’abonnement", nil, .other),
            ("Re: Confirmez votre abonnement à la lettre", "Merci", .other),
        ] as [(String?, String?, SubscriberMail.Kind)])
    func requestsByWord(subject: String?, firstLine: String?, expected: SubscriberMail.Kind) {
        let k = SubscriberMail.classify(subject: subject, headers: [], raw: [], list: list, firstLine: firstLine)
        #expect(k == expected)
    }

    /// An ARF report names the subscriber by the returned message's List-Unsubscribe URL, else by its VERP
    /// Return-Path; one about someone else's mail names nobody.
    @Test func arfComplaints() {
        let token = "1a-0123456789abcdef01234567"
        func report(_ returned: String) -> [UInt8] {
            Array(
                """
                Content-Type: multipart/report; report-type=feedback-report; boundary="f"\r
                \r
                --f\r
                Content-Type: message/feedback-report\r
                \r
                Feedback-Type: abuse\r
                User-Agent: SomeFBL/2.0\r
                Version: 1\r
                --f\r
                Content-Type: text/rfc822-headers\r
                \r
                \(returned)\r
                --f--\r

                """.utf8)
        }
        let ct = headers([("Content-Type", "multipart/report; report-type=feedback-report; boundary=\"f\"")])
        let byURL = SubscriberMail.classify(
            subject: "Complaint", headers: ct, raw: report("List-Unsubscribe: <https://example.org/u/\(token)>"),
            list: list)
        #expect(byURL == .complaint(token: token, detail: "feedback type abuse; from SomeFBL/2.0"))
        let byVERP = SubscriberMail.classify(
            subject: "Complaint", headers: ct, raw: report("Return-Path: <bounces+\(token)@example.org>"), list: list)
        #expect(byVERP == .complaint(token: token, detail: "feedback type abuse; from SomeFBL/2.0"))
        let other = SubscriberMail.classify(
            subject: "Complaint", headers: ct, raw: report("Return-Path: <someone@else.example>"), list: list)
        #expect(other == .complaint(token: nil, detail: "feedback type abuse; from SomeFBL/2.0"))
    }
}
