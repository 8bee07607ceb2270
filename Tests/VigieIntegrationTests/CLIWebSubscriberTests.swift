import Foundation
import GRDB
import Testing
import VigieApp
import VigieCore
import VigieStore

/// A serve with the subscribers' routes: a newsletter queue (the fixture's), the acknowledgements queue through
/// smtp-sink (it sends the confirmation mails), and `n` imported subscribers at a domain of the test's own.
struct SubscriberWebFixture {
    let web: WebFixture
    let domain: String
    let addresses: [String]

    init(subscribers n: Int = 3, extraHTTPKeys: String = "") throws {
        web = try WebFixture(extraHTTPKeys: extraHTTPKeys)
        try web.serve.enableAcknowledgements()
        domain = "web-\(UUID().uuidString.prefix(8).lowercased()).example.net"
        addresses = n > 0 ? try web.serve.newsletter.subscribe(n, domain: domain) : []
    }

    /// The unsubscribe token of `address` as the newsletter writes it.
    func token(_ address: String) throws -> String {
        let s = try #require(try web.serve.store().subscriber(email: address))
        let tokens = try UnsubscribeTokens(
            secret: Array(NewsletterFixture.secret.utf8), listID: "La lettre <lettre.example.org>")
        return tokens.token(subscriberID: s.id, salt: s.tokenSalt)
    }

    func status(_ address: String) throws -> SubscriberStatus? {
        try web.serve.store().subscriber(email: address)?.status
    }

    func consent(_ address: String) throws -> [ConsentRecord] {
        let store = try web.serve.store()
        guard let s = try store.subscriber(email: address) else { return [] }
        return try store.consentHistory(subscriberID: s.id)
    }

    /// A multipart/form-data body as mailbox providers send the one-click POST.
    static func multipart(_ fields: [(String, String)]) -> (contentType: String, body: Data) {
        let boundary = "----vigie\(UUID().uuidString.prefix(8))"
        var body = ""
        for (k, v) in fields {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n"
        }
        body += "--\(boundary)--\r\n"
        return ("multipart/form-data; boundary=\(boundary)", Data(body.utf8))
    }
}

/// The subscribers' side of `serve` over real HTTP on loopback: RFC 8058 one-click, the double opt-in with its mail
/// caught by smtp-sink, no enumeration, abuse limits, mail requests and ARF complaints through the real Dovecot.
@Suite(.serialized) struct CLIWebSubscriberTests {
    /// The RFC 8058 POST in both encodings unsubscribes and answers 200, again 200 the second time; a GET only shows
    /// the button; tampered, unknown and malformed tokens are 404 pages that change nothing; a POST without
    /// `List-Unsubscribe=One-Click` is refused. The consent history says `one-click`.
    @Test func oneClickUnsubscribeInBothEncodingsIsIdempotentAndGETNeverUnsubscribes() throws {
        try LocalServers.requireIMAP()
        let f = try SubscriberWebFixture(subscribers: 4)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let http = f.web.http
        let (a, b, c, d) = (f.addresses[0], f.addresses[1], f.addresses[2], f.addresses[3])

        let first = try http.postForm("/u/\(try f.token(a))", [("List-Unsubscribe", "One-Click")])
        #expect(first.status == 200)
        #expect(first.header("Set-Cookie") == nil)
        #expect(first.body.contains("Vous êtes désabonné·e"))
        #expect(try f.status(a) == .unsubscribed)
        let again = try http.postForm("/u/\(try f.token(a))", [("List-Unsubscribe", "One-Click")])
        #expect(again.status == 200)
        #expect(try f.consent(a).filter { $0.action == .unsubscribed }.map(\.channel) == [.oneClick])

        let m = SubscriberWebFixture.multipart([("List-Unsubscribe", "One-Click")])
        let multi = try http.request(
            "POST", "/u/\(try f.token(b))", headers: [("Content-Type", m.contentType)], body: m.body)
        #expect(multi.status == 200)
        #expect(try f.status(b) == .unsubscribed)

        // A GET (a link scanner) shows a button and changes nothing; the address is masked.
        let page = try http.get("/u/\(try f.token(c))")
        #expect(page.status == 200)
        #expect(page.body.contains("<form method=\"post\""))
        #expect(page.body.contains("Me désabonner"))
        #expect(!page.body.contains(c), "the full address is not shown to whoever holds the link")
        #expect(try f.status(c) == .active)

        // Tampered (one character of the MAC changed), unknown id, malformed: 404 pages, nothing changed.
        let good = try f.token(c)
        let tampered = String(good.dropLast()) + (good.last == "a" ? "b" : "a")
        for token in [tampered, "zzzz-0123456789abcdef01234567", "nimportequoi", String(good.dropLast(3))] {
            let post = try http.postForm("/u/\(token)", [("List-Unsubscribe", "One-Click")])
            #expect(post.status == 404, "\(token)")
            #expect(post.body.contains("Page introuvable"))
            #expect(try http.get("/u/\(token)").status == 404)
        }
        #expect(try f.status(c) == .active)

        // Without the RFC 8058 field: refused, nothing changed.
        #expect(try http.postForm("/u/\(try f.token(d))", [("x", "y")]).status == 400)
        #expect(try f.status(d) == .active)

        // The page's own button records the channel `page`.
        #expect(try http.postForm("/u/\(good)", [("List-Unsubscribe", "One-Click"), ("via", "page")]).status == 200)
        #expect(try f.consent(c).last.map { [$0.action.rawValue, $0.channel.rawValue] } == ["unsubscribed", "page"])
        let show = try f.web.serve.run(["subscribers", "show", c])
        #expect(show.stdout.contains("consent:"), "\(show.stdout)")
        #expect(show.stdout.contains("unsubscribed via page"), "\(show.stdout)")
    }

    /// The whole double opt-in: the form, the confirmation mail at smtp-sink (French, Auto-Submitted), the link
    /// followed (GET shows a button and changes nothing, POST confirms), the subscriber active with the proof of
    /// consent; the link again changes nothing; a tampered link is a 404. An unsubscribed address comes back only
    /// this way.
    @Test func doubleOptInFromTheFormToAnActiveSubscriber() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try SubscriberWebFixture(subscribers: 1)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let http = f.web.http
        let form = try http.get("/subscribe")
        #expect(form.status == 200)
        #expect(form.body.contains("name=\"email\""))

        let newcomer = "nouvelle@\(f.domain)"
        let r = try http.postForm(
            "/subscribe", [("email", newcomer), ("name", "Amélie « Test »"), ("language", "fr")])
        #expect(r.status == 200)
        #expect(r.body.contains("Vérifiez votre messagerie"))
        #expect(try f.status(newcomer) == nil, "nothing enters subscribers before the confirmation")

        let mail = try #require(Self.confirmationMail(to: newcomer, domain: f.domain))
        #expect(mail.message.contains("Auto-Submitted: auto-generated"))
        #expect(mail.message.contains("Subject: =?UTF-8?") || mail.message.contains("Subject: Confirmez"))
        let link = try #require(Self.confirmationLink(in: mail.message, base: f.web.publicURL))
        let path = String(link.dropFirst(f.web.publicURL.count))

        let page = try http.get(path)
        #expect(page.status == 200)
        #expect(page.body.contains("Confirmer mon abonnement"))
        #expect(try f.status(newcomer) == nil, "a GET confirms nothing")

        let done = try http.request("POST", path)
        #expect(done.status == 200)
        #expect(done.body.contains("Abonnement confirmé"))
        #expect(try f.status(newcomer) == .active)
        let consent = try f.consent(newcomer)
        #expect(consent.map(\.channel) == [.page])
        #expect(consent.first?.requestedAt != nil)
        #expect(try f.web.serve.store().subscriber(email: newcomer)?.name == "Amélie « Test »")
        #expect(try http.request("POST", path).status == 200, "idempotent")
        #expect(try f.consent(newcomer).count == 1)

        let tampered = String(path.dropLast()) + (path.last == "0" ? "1" : "0")
        #expect(try http.get(tampered).status == 404)
        #expect(try http.request("POST", tampered).status == 404)

        // An address that unsubscribed comes back through the double opt-in (and its old token is revoked).
        let leaver = f.addresses[0]
        let oldToken = try f.token(leaver)
        #expect(try http.postForm("/u/\(oldToken)", [("List-Unsubscribe", "One-Click")]).status == 200)
        #expect(try http.postForm("/subscribe", [("email", leaver)]).status == 200)
        let back = try #require(Self.confirmationMail(to: leaver, domain: f.domain))
        let backLink = try #require(Self.confirmationLink(in: back.message, base: f.web.publicURL))
        #expect(try http.request("POST", String(backLink.dropFirst(f.web.publicURL.count))).status == 200)
        #expect(try f.status(leaver) == .active)
        #expect(try f.token(leaver) != oldToken)
        #expect(try http.get("/u/\(oldToken)").status == 404)
        #expect(
            try f.consent(leaver).map { "\($0.action) \($0.channel)" } == [
                "subscribed import", "unsubscribed one-click", "subscribed page",
            ])
    }

    /// No enumeration: new, pending, active and unsubscribed addresses get the same status and the same body, and
    /// only one confirmation mail per address per 24 h is sent; the honeypot does nothing and says the same; an
    /// invalid address is told; past 10 posts from one client, 429.
    @Test func subscribeNeverTellsWhoIsSubscribedAndIsRateLimited() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try SubscriberWebFixture(subscribers: 2)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let http = f.web.http
        let (active, leaver) = (f.addresses[0], f.addresses[1])
        #expect(try http.postForm("/u/\(try f.token(leaver))", [("List-Unsubscribe", "One-Click")]).status == 200)
        let pending = "attente@\(f.domain)"
        let fresh = "inconnue@\(f.domain)"
        let first = try http.postForm("/subscribe", [("email", pending)])  // 1st post: now pending
        var answers: [HTTPProbe.Response] = [first]
        for address in [pending, active, leaver, fresh] {  // posts 2 to 5
            answers.append(try http.postForm("/subscribe", [("email", address), ("name", "X")]))
        }
        let trap = try http.postForm("/subscribe", [("email", "robot@\(f.domain)"), ("website", "http://spam")])
        answers.append(trap)  // post 6
        for a in answers {
            #expect(a.status == 200)
            #expect(a.body == first.body)
        }
        // One mail per address: pending got one (not two); robot none.
        _ = Self.confirmationMail(to: fresh, domain: f.domain)
        let dumps = SinkDump.read(LocalServers.sinkDir, domain: f.domain)
        #expect(dumps.filter { $0.recipients.contains(pending) }.count == 1)
        #expect(dumps.filter { $0.recipients.contains("robot@\(f.domain)") }.isEmpty)
        let requests = try DatabaseQueue(path: f.web.serve.dir + "/var/vigie.sqlite").read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM subscription_requests") ?? -1
        }
        #expect(requests == 4, "pending, active, leaver, fresh; not the honeypot, not the second pending")

        let invalid = try http.postForm("/subscribe", [("email", "pas une adresse")])  // post 7
        #expect(invalid.status == 400)
        #expect(invalid.body.contains("n’est pas valide"))
        for i in 8...10 { #expect(try http.postForm("/subscribe", [("email", "r\(i)@\(f.domain)")]).status == 200) }
        let limited = try http.postForm("/subscribe", [("email", "r11@\(f.domain)")])
        #expect(limited.status == 429)
        #expect(limited.body.contains("Trop de demandes"))
    }

    /// By mail through the real Dovecot: `abonnement` starts the double opt-in (confirmation at smtp-sink), an ARF
    /// feedback report about a newsletter message unsubscribes its recipient (channel `complaint`), `désabonnement`
    /// unsubscribes the sender (channel `mail`).
    @Test func mailSubscribeAndARFComplaintsThroughDovecot() throws {
        try LocalServers.requireIMAP()
        try LocalServers.requireSMTPSinkDump()
        let f = try SubscriberWebFixture(subscribers: 2)
        let user = LocalServers.uniqueUser()
        try """
        kind = "intake"
        role = "subscriptions"
        url = "imap://127.0.0.1:\(LocalServers.imapPort)"
        user = "\(user)"
        password = "\(LocalServers.password)"
        processed_mailbox = "Archive"
        poll_interval_seconds = 300
        """.write(toFile: f.web.serve.dir + "/queues/subscriptions.toml", atomically: true, encoding: .utf8)
        let s = try f.web.start()
        defer { _ = s.terminate() }
        let (complainer, leaver) = (f.addresses[0], f.addresses[1])
        let token = try f.token(complainer)
        let asker = "parcourrier@\(f.domain)"
        try LocalServers.deliver(
            [
                Self.mail(from: asker, subject: "abonnement", body: "Bonjour, je souhaite recevoir la lettre."),
                Self.arf(token: token, recipient: complainer),
                Self.mail(from: leaver, subject: "Désabonnement", body: ""),
            ], to: user)
        #expect(eventually(timeout: 30, every: 0.1) { (try? f.status(complainer)) == .unsubscribed })
        #expect(try f.consent(complainer).last?.channel == .complaint)
        #expect(eventually(timeout: 30, every: 0.1) { (try? f.status(leaver)) == .unsubscribed })
        #expect(try f.consent(leaver).last?.channel == .mail)
        let mail = try #require(Self.confirmationMail(to: asker, domain: f.domain))
        let link = try #require(Self.confirmationLink(in: mail.message, base: f.web.publicURL))
        #expect(try f.web.http.request("POST", String(link.dropFirst(f.web.publicURL.count))).status == 200)
        #expect(try f.status(asker) == .active)
        #expect(try f.consent(asker).map(\.channel) == [.mail])
    }

    // MARK: - Helpers

    /// The confirmation mail smtp-sink received for `address` (polled for, at most 20 s).
    static func confirmationMail(to address: String, domain: String) -> SinkDump? {
        var found: SinkDump?
        _ = eventually(timeout: 20, every: 0.05) {
            found = SinkDump.read(LocalServers.sinkDir, domain: domain).first { $0.recipients.contains(address) }
            return found != nil
        }
        return found
    }

    /// The `{public_url}/confirm/TOKEN` link of the text part.
    static func confirmationLink(in message: String, base: String) -> String? {
        guard let r = message.range(of: base + "/confirm/") else { return nil }
        let token = message[r.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
        return base + "/confirm/" + token
    }

    static func mail(from: String, subject: String, body: String) -> [UInt8] {
        Array(
            """
            From: <\(from)>\r
            To: <abonnements@example.org>\r
            Subject: \(subject)\r
            Date: Wed, 02 Dec 2026 04:30:00 +0000\r
            Message-ID: <\(UUID().uuidString)@example.net>\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            \(body)\r

            """.utf8)
    }

    /// An ARF report (RFC 5965) as a mailbox provider sends it, the newsletter message returned with its headers.
    static func arf(token: String, recipient: String) -> [UInt8] {
        Array(
            """
            From: <feedback@fbl.example.com>\r
            To: <bounces@example.org>\r
            Subject: Complaint about message\r
            Date: Wed, 02 Dec 2026 04:31:00 +0000\r
            Message-ID: <\(UUID().uuidString)@fbl.example.com>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/report; report-type=feedback-report; boundary="arf"\r
            \r
            --arf\r
            Content-Type: text/plain; charset=us-ascii\r
            \r
            This is an email abuse report for an email message received from IP 192.0.2.1.\r
            --arf\r
            Content-Type: message/feedback-report\r
            \r
            Feedback-Type: abuse\r
            User-Agent: ExampleFBL/1.0\r
            Version: 1\r
            Original-Rcpt-To: <redacted@example.com>\r
            --arf\r
            Content-Type: message/rfc822\r
            \r
            Return-Path: <bounces+\(token)@example.org>\r
            From: La lettre <lettre@example.org>\r
            To: <redacted>\r
            Subject: La lettre du 21 novembre\r
            List-Unsubscribe: <https://www.example.org/u/\(token)>, <mailto:desinscription@example.org?subject=unsubscribe-\(token)>\r
            \r
            Bonjour.\r
            --arf--\r

            """.utf8)
    }
}
