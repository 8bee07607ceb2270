import Foundation
import Testing
import VigieCore
import VigieStore

@Suite struct IntakeStoreTests {
    let box = "reports@127.0.0.1:143/INBOX"

    @Test func createsFileWithMigrations() throws {
        let t = try TempStore()
        #expect(FileManager.default.fileExists(atPath: t.store.path))
        #expect(try t.store.appliedMigrations().first == "v1-intake")
        // Reopening an existing file runs no migration twice.
        let again = try Store(path: t.store.path)
        #expect(try again.appliedMigrations() == (try t.store.appliedMigrations()))
    }

    @Test func storesEachMessageOnceByLocationAndHashAndFlagsMessageIDCollisions() throws {
        let t = try TempStore()
        let first = try t.store.commit(
            batch: [incoming(1, body: "a", messageID: "m1@x"), incoming(2, body: "b", messageID: "m2@x")],
            queue: "reports", mailbox: box, uidValidity: 7, lastUID: 2)
        #expect(first.count == 2)
        guard case .inserted(let id1) = first[0] else { Issue.record("not inserted"); return }

        let second = try t.store.commit(
            batch: [
                incoming(1, body: "a", messageID: "m1@x"),  // same location: already stored
                incoming(3, body: "a", messageID: nil),  // same bytes elsewhere: duplicate
                incoming(4, body: "a changed", messageID: "m2@x"),  // same Message-ID, other bytes: kept, flagged
                incoming(5, body: "c", messageID: nil),  // new
            ], queue: "reports", mailbox: box, uidValidity: 7, lastUID: 5)
        #expect(second[0] == .alreadyStored(id: id1))
        #expect(second[1] == .duplicate(of: id1))
        guard case .inserted(let collided) = second[2] else {
            Issue.record("a Message-ID collision must be stored, got \(second[2])")
            return
        }
        if case .inserted = second[3] {} else { Issue.record("expected insert, got \(second[3])") }
        #expect(try t.store.messageCounts()[.received] == 4)
        guard case .inserted(let id2) = first[1] else { Issue.record("not inserted"); return }
        #expect(try t.store.report(id: collided)?.messageIDCollision == id2)
        #expect(try t.store.report(id: id2)?.messageIDCollision == nil)
        #expect(try t.store.rawMessage(id: collided) == Array("a changed".utf8))
        #expect(try t.store.checkpoint(mailbox: box) == IntakeCheckpoint(uidValidity: 7, lastUID: 5))
    }

    /// Within one batch the new messages are inserted together: the later ones still see the earlier ones, as they
    /// would row by row (same location, same bytes, same Message-ID).
    @Test func aBatchDedupesAgainstItselfAsRowByRow() throws {
        let t = try TempStore()
        _ = try t.store.commit(
            batch: [incoming(1, body: "stored", messageID: "old@x")], queue: "reports", mailbox: box,
            uidValidity: 7, lastUID: 1)
        let out = try t.store.commit(
            batch: [
                incoming(2, body: "a", messageID: "m@x"),
                incoming(3, body: "a", messageID: nil),  // the bytes of UID 2
                incoming(2, body: "a", messageID: "m@x"),  // UID 2 again
                incoming(4, body: "b", messageID: "m@x"),  // UID 2's Message-ID, other bytes
                incoming(5, body: "c", messageID: "old@x"),  // a stored message's Message-ID
                incoming(6, body: "d", messageID: "m@x"),
            ], queue: "reports", mailbox: box, uidValidity: 7, lastUID: 6)
        guard case .inserted(let a) = out[0], case .inserted(let b) = out[3], case .inserted(let c) = out[4],
            case .inserted(let d) = out[5]
        else { Issue.record("expected inserts, got \(out)"); return }
        #expect(out[1] == .duplicate(of: a))
        #expect(out[2] == .alreadyStored(id: a))
        #expect(a < b && b < c && c < d)
        #expect(try t.store.report(id: a)?.messageIDCollision == nil)
        #expect(try t.store.report(id: b)?.messageIDCollision == a)
        #expect(try t.store.report(id: d)?.messageIDCollision == a)
        #expect(try t.store.report(id: c)?.messageIDCollision == 1)
        #expect(try t.store.rawMessage(id: b) == Array("b".utf8))
        #expect(try t.store.rawMessage(id: d) == Array("d".utf8))
        #expect(try t.store.messageCounts()[.received] == 5)
        #expect(try t.store.owedActions(mailbox: box, uidValidity: 7) == [1, 2, 3, 4, 5, 6])
    }

    @Test func checkpointNeverMovesBackwardAndResetsOnNewValidity() throws {
        let t = try TempStore()
        _ = try t.store.commit(batch: [incoming(9, body: "x")], queue: "q", mailbox: box, uidValidity: 1, lastUID: 9)
        _ = try t.store.commit(batch: [], queue: "q", mailbox: box, uidValidity: 1, lastUID: 4)
        #expect(try t.store.checkpoint(mailbox: box)?.lastUID == 9)
        try t.store.resetCheckpoint(mailbox: box, uidValidity: 2)
        #expect(try t.store.checkpoint(mailbox: box) == IntakeCheckpoint(uidValidity: 2, lastUID: 0))
        #expect(try t.store.owedActions(mailbox: box, uidValidity: 1).isEmpty)
    }

    @Test func serverActionsAreOwedUntilCleared() throws {
        let t = try TempStore()
        _ = try t.store.commit(
            batch: [incoming(1, body: "a"), incoming(2, body: "a")], queue: "q", mailbox: box,
            uidValidity: 3, lastUID: 2)
        // Both UIDs are owed, the duplicate too: it must be flagged/moved on the server like any other.
        #expect(try t.store.owedActions(mailbox: box, uidValidity: 3) == [1, 2])
        try t.store.clearOwedActions(mailbox: box, uidValidity: 3, uids: [1])
        #expect(try t.store.owedActions(mailbox: box, uidValidity: 3) == [2])
    }

    /// The intake runner clears the actions it has done with the next batch's commit: only those UIDs, only in that
    /// mailbox and UIDVALIDITY, in the same transaction as the new batch's own owed actions.
    @Test func aCommitClearsTheActionsDoneSinceTheLastOne() throws {
        let t = try TempStore()
        _ = try t.store.commit(
            batch: [incoming(1, body: "a"), incoming(2, body: "b"), incoming(3, body: "c")], queue: "q",
            mailbox: box, uidValidity: 3, lastUID: 3)
        _ = try t.store.commit(
            batch: [incoming(1, body: "z")], queue: "q", mailbox: "other", uidValidity: 3, lastUID: 1)
        _ = try t.store.commit(
            batch: [incoming(4, body: "d")], queue: "q", mailbox: box, uidValidity: 3, lastUID: 4,
            actionsDone: [1, 3])
        #expect(try t.store.owedActions(mailbox: box, uidValidity: 3) == [2, 4])
        #expect(try t.store.owedActions(mailbox: "other", uidValidity: 3) == [1])
    }

    @Test func parsingIsClaimedWithBoundedAttempts() throws {
        let t = try TempStore()
        _ = try t.store.commit(
            batch: [incoming(1, body: "a"), incoming(2, body: "b")], queue: "q", mailbox: box,
            uidValidity: 1, lastUID: 2)
        // Three claims without saving a result (as if the parser crashed each time)...
        for _ in 0..<3 { #expect(try t.store.claimForParsing(limit: 10, maxAttempts: 3).count == 2) }
        // ...then the messages are given up as unparsed, kept with an error, never claimed again.
        #expect(try t.store.claimForParsing(limit: 10, maxAttempts: 3).isEmpty)
        let rows = try t.store.reports(status: .unparsed)
        #expect(rows.count == 2)
        let detail = try #require(try t.store.report(id: rows[0].id))
        #expect(detail.parseError?.contains("did not finish after 3 attempts") == true)
    }

    @Test func savedReportsAreListedWithTheirURLs() throws {
        let t = try TempStore()
        _ = try t.store.commit(
            batch: [incoming(1, body: "a", messageID: "m@x")], queue: "q", mailbox: box,
            uidValidity: 1, lastUID: 1)
        let claimed = try t.store.claimForParsing(limit: 10)
        var p = ParsedMessage()
        p.from = MailAddress(name: "Élise Martin", address: "Elise+vigie@Example.fr")
        p.subject = "Signalement"
        p.text = "Bonjour"
        p.attachments = [AttachmentInfo(filename: "capture.png", mimeType: "image/png", size: 1234)]
        try t.store.saveParsed([
            ParseOutcome(
                messageID: claimed[0].id, status: .parsed, parsed: p,
                urls: ["https://x.com/a/status/1", "https://youtu.be/abc"],
                automaticReason: nil, error: nil)
        ])
        let list = try t.store.reports()
        #expect(list.count == 1)
        #expect(list[0].from == "Élise Martin <Elise+vigie@Example.fr>")
        #expect(list[0].urls == ["https://x.com/a/status/1", "https://youtu.be/abc"])
        #expect(list[0].status == .parsed)
        #expect(list[0].messageID == "m@x")
        let d = try #require(try t.store.report(id: list[0].id))
        #expect(d.attachments.first?.filename == "capture.png")
        #expect(try t.store.reports(status: .automatic).isEmpty)
        #expect(try t.store.rawMessage(id: list[0].id) == Array("a".utf8))
    }
}
