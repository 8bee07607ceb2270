import Foundation
import Logging
import Testing
import VigieApp
import VigieCore
import VigieStore

/// A message of the subscriptions mailbox acts on a subscriber once, however often it is processed: a crash after its
/// side effect but before its outcome was saved makes the next run process the same stored message again.
@Suite struct SubscriptionEffectsTests {
    let list = ListHeaders(
        listID: "L <l.example.org>", unsubscribeURLBase: "https://example.org/u/",
        unsubscribeMailbox: "desinscription@example.org", bounceDomain: "example.org")

    struct Fixture {
        let store: Store
        let processor: SubscriptionMailProcessor
        let token: String
        let subscriberID: Int64
        var uid: UInt32 = 0

        /// Stores `raw` as the subscriptions queue would and claims it: the item a run hands to the processor.
        mutating func stored(_ raw: String) throws -> MessageToParse {
            uid += 1
            let bytes = Array(raw.utf8)
            let out = try store.commit(
                batch: [
                    IncomingMessage(
                        uid: uid, raw: bytes, size: bytes.count, truncated: false,
                        sha256: UUID().uuidString, messageID: nil)
                ],
                queue: "subscriptions", role: .subscriptions, mailbox: "s", uidValidity: 1,
                lastUID: uid)
            guard case .inserted(let id) = out[0] else { throw CocoaError(.fileWriteUnknown) }
            return try #require(try store.claimForParsing(queue: "subscriptions", limit: 10).first { $0.id == id })
        }

        func subscriber() throws -> Subscriber { try #require(try store.subscriber(id: subscriberID)) }

        func events(_ kind: SubscriberEvent) throws -> Int {
            try store.subscriberEvents(id: subscriberID).filter { $0.event == kind }.count
        }
    }

    func fixture() throws -> Fixture {
        let store = try Store(path: NSTemporaryDirectory() + "vigie-effects-\(UUID().uuidString)/vigie.sqlite")
        let s = try store.addSubscriber(SubscriberRow(email: "anne@exemple.fr", name: nil, language: nil))
        let tokens = try UnsubscribeTokens(secret: Array("s3cret-0123456789".utf8), listID: list.listID)
        let processor = SubscriptionMailProcessor(
            store: store, queue: "subscriptions", list: list, tokens: tokens,
            logger: Logger(label: "t"))
        return Fixture(
            store: store, processor: processor, token: tokens.token(subscriberID: s.id, salt: s.tokenSalt),
            subscriberID: s.id)
    }

    func softBounce(_ token: String) -> String {
        "From: MAILER-DAEMON@example.org\r\nTo: bounces+\(token)@example.org\r\nSubject: Delayed Mail\r\n"
            + "Message-ID: <\(UUID().uuidString)@mx>\r\n\r\nAction: delayed\r\nStatus: 4.4.1\r\n"
    }

    @Test func aSoftBounceProcessedTwiceCountsOnce() throws {
        var f = try fixture()
        let dsn = try f.stored(softBounce(f.token))
        _ = try f.processor.process([dsn])
        _ = try f.processor.process([dsn])
        #expect(try f.subscriber().bounces == 1)
        #expect(try f.events(.softBounce) == 1)
        // Another message is another bounce.
        _ = try f.processor.process([try f.stored(softBounce(f.token))])
        #expect(try f.subscriber().bounces == 2)
        #expect(try f.events(.softBounce) == 2)
    }

    @Test func theFifthSoftBounceMarksBouncedOnceWhateverTheReplays() throws {
        var f = try fixture()
        for _ in 0..<5 {
            let dsn = try f.stored(softBounce(f.token))
            for _ in 0..<3 { _ = try f.processor.process([dsn]) }
        }
        let s = try f.subscriber()
        #expect(s.status == .bounced)
        // Five soft bounces, plus the one `setStatus` adds when marking bounced: never more.
        #expect(s.bounces == 6)
        #expect(try f.events(.softBounce) == 5)
        #expect(try f.events(.bounced) == 1)
    }

    @Test func aHardBounceProcessedTwiceCountsOnce() throws {
        var f = try fixture()
        let dsn = try f.stored(
            """
            From: MAILER-DAEMON@example.org\r
            To: bounces+\(f.token)@example.org\r
            Subject: Undelivered Mail Returned to Sender\r
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
            --b--\r

            """)
        _ = try f.processor.process([dsn])
        _ = try f.processor.process([dsn])
        #expect(try f.subscriber().status == .bounced)
        #expect(try f.subscriber().bounces == 1)
        #expect(try f.events(.bounced) == 1)
    }

    @Test func anUnsubscribeRequestProcessedTwiceActsOnce() throws {
        var f = try fixture()
        let request = try f.stored(
            """
            From: anne@exemple.fr\r
            To: desinscription@example.org\r
            Subject: unsubscribe-\(f.token)\r
            \r
            \r

            """)
        _ = try f.processor.process([request])
        _ = try f.processor.process([request])
        #expect(try f.subscriber().status == .unsubscribed)
        #expect(try f.events(.unsubscribed) == 1)
    }
}
