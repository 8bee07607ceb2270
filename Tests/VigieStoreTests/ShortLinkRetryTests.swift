import Foundation
import Testing
import VigieCore
import VigieStore

/// A short link that does not resolve is retried on `Backoff.shortLinks`' schedule, then given up.
@Suite struct ShortLinkRetryTests {
    @Test func failuresFollowThePolicyThenGiveUp() throws {
        let t = try TempStore()
        let url = "https://bit.ly/abc"
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        try t.store.queueShortLinks([url], now: now)
        let policy = Backoff.shortLinks
        for attempt in 0..<policy.maxAttempts {
            #expect(try t.store.dueShortLinks(now: now, limit: 10) == [url], "attempt \(attempt)")
            try t.store.recordShortLink(url, finalURL: nil, error: "timeout", now: now)
            let wait = policy.nominal(attempt: attempt).inSeconds
            if attempt + 1 < policy.maxAttempts {
                #expect(try t.store.dueShortLinks(now: now.addingTimeInterval(wait - 1), limit: 10).isEmpty)
            }
            now = now.addingTimeInterval(wait)
        }
        // Given up after its last attempt: never due again.
        #expect(try t.store.dueShortLinks(now: now.addingTimeInterval(10 * 86_400), limit: 10).isEmpty)
    }

    @Test func aCustomPolicyIsHonoured() throws {
        let t = try TempStore()
        let url = "https://t.co/xyz"
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try t.store.queueShortLinks([url], now: now)
        let once = Backoff(base: .seconds(10), cap: .seconds(10), jitter: 0, maxAttempts: 2)
        try t.store.recordShortLink(url, finalURL: nil, error: "dns", retry: once, now: now)
        #expect(try t.store.dueShortLinks(now: now.addingTimeInterval(9), limit: 10).isEmpty)
        #expect(try t.store.dueShortLinks(now: now.addingTimeInterval(10), limit: 10) == [url])
        try t.store.recordShortLink(url, finalURL: nil, error: "dns", retry: once, now: now.addingTimeInterval(10))
        #expect(try t.store.dueShortLinks(now: now.addingTimeInterval(1_000_000), limit: 10).isEmpty)
    }
}
