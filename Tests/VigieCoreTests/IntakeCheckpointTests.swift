import Testing
import VigieCore

@Suite struct IntakeCheckpointTests {
    static let server = MailboxStatus(uidValidity: 42, uidNext: 100, messageCount: 5)

    @Test(
        arguments: [
            (nil, IntakeCheckpoint.Plan.rescan(reason: "first visit")),
            (IntakeCheckpoint(uidValidity: 42, lastUID: 0), .resume(fromUID: 1)),
            (IntakeCheckpoint(uidValidity: 42, lastUID: 57), .resume(fromUID: 58)),
            (IntakeCheckpoint(uidValidity: 41, lastUID: 57), .rescan(reason: "UIDVALIDITY changed from 41 to 42")),
        ] as [(IntakeCheckpoint?, IntakeCheckpoint.Plan)])
    func plan(stored: IntakeCheckpoint?, expected: IntakeCheckpoint.Plan) {
        #expect(IntakeCheckpoint.plan(stored: stored, server: Self.server) == expected)
    }
}

@Suite struct RawHeaderScanTests {
    @Test(
        arguments: [
            ("Message-ID: <abc@x.org>\r\nSubject: s\r\n\r\nbody", "abc@x.org"),
            ("Subject: s\r\nmessage-id:\r\n <folded@x.org>\r\n\r\nbody", "folded@x.org"),
            ("Subject: s\r\n\r\nMessage-ID: <in-body@x.org>\r\n", nil),
            ("Message-Id: bare@x.org\nFrom: a\n\n", "bare@x.org"),
            ("X-Message-ID: <no@x.org>\r\n\r\n", nil),
            ("Message-ID:\t < spaced@x.org >\t\r\n\r\n", "spaced@x.org"),
            ("Message-ID: <>\r\n\r\n", nil),
            ("Message-ID: <open@x.org\r\n\r\n", "<open@x.org"),
            // Not ASCII: Foundation's trimming, which also takes Unicode spaces.
            ("Message-ID:\u{A0}<nbsp@x.org>\u{A0}\r\n\r\n", "nbsp@x.org"),
            ("Message-ID: \u{A0}\r\n\r\n", nil),
            ("Message-ID: <é@x.org>\r\n\r\n", "é@x.org"),
            ("Message-ID: <" + String(repeating: "a", count: 999) + ">\r\n\r\n", nil),
            ("Message-ID: <" + String(repeating: "a", count: 998) + ">\r\n\r\n", String(repeating: "a", count: 998)),
            ("", nil),
        ] as [(String, String?)])
    func messageID(raw: String, expected: String?) {
        #expect(RawHeaderScan.messageID(in: Array(raw.utf8)) == expected)
    }

    @Test func reporterNormalisation() {
        #expect(MailAddress(address: "Jean.Dupont+Signal@Exemple.FR").normalizedReporter == "jean.dupont@exemple.fr")
        #expect(MailAddress(address: "nobody").normalizedReporter == "nobody")
    }
}
