import Foundation
import VigieCore

/// An IMAP mailbox in memory behind `MailboxSession`: UIDs, \Seen, moves, and failures on demand. Records every
/// call so a test can check the order of fetches and server actions.
final class FakeMailbox: @unchecked Sendable {
    enum Call: Equatable {
        case select(String)
        case uids(from: UInt32)
        case fetch([UInt32])
        case markSeen([UInt32])
        case move([UInt32], to: String)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let lock = NSLock()
    private var messages: [UInt32: [UInt8]] = [:]
    private var nextUID: UInt32 = 1
    private var state = (uidValidity: UInt32(1000), seen: Set<UInt32>(), moved: [String: [UInt32]]())
    private var calls: [Call] = []
    /// How many more `markSeen` calls fail.
    var failingMarkSeen = 0

    /// Adds messages with the next UIDs; returns those UIDs.
    @discardableResult
    func deliver(_ raws: [[UInt8]]) -> [UInt32] {
        lock.withLock {
            raws.map { raw in
                defer { nextUID += 1 }
                messages[nextUID] = raw
                return nextUID
            }
        }
    }

    /// Starts the mailbox over under a new UIDVALIDITY, as a restored or recreated mailbox does.
    func renumber(uidValidity: UInt32) {
        lock.withLock {
            state.uidValidity = uidValidity
            let raws = messages.sorted { $0.key < $1.key }.map(\.value)
            messages = [:]
            nextUID = 1
            for raw in raws {
                messages[nextUID] = raw
                nextUID += 1
            }
        }
    }

    var log: [Call] { lock.withLock { calls } }
    var seen: Set<UInt32> { lock.withLock { state.seen } }
    func moved(to mailbox: String) -> [UInt32] { lock.withLock { state.moved[mailbox] ?? [] } }
    func resetLog() { lock.withLock { calls = [] } }

    /// A new logged-in session on this mailbox.
    func session() -> any MailboxSession { Session(box: self) }

    fileprivate func record(_ call: Call) { lock.withLock { calls.append(call) } }

    private final class Session: MailboxSession {
        let box: FakeMailbox
        init(box: FakeMailbox) { self.box = box }

        var capabilities: Set<String> { ["IMAP4REV1", "IDLE", "MOVE", "UIDPLUS"] }

        func select(_ mailbox: String) throws -> MailboxStatus {
            box.record(.select(mailbox))
            return box.lock.withLock {
                MailboxStatus(
                    uidValidity: box.state.uidValidity, uidNext: box.nextUID,
                    messageCount: box.messages.count)
            }
        }

        func uids(from: UInt32) throws -> [UInt32] {
            box.record(.uids(from: from))
            return box.lock.withLock { box.messages.keys.filter { $0 >= from }.sorted() }
        }

        func sizes(of uids: [UInt32]) throws -> [UInt32: Int] {
            box.lock.withLock {
                var out: [UInt32: Int] = [:]
                for uid in uids { if let m = box.messages[uid] { out[uid] = m.count } }
                return out
            }
        }

        func fetchFull(_ uids: [UInt32]) throws -> [FetchedMessage] {
            box.record(.fetch(uids))
            return box.lock.withLock {
                uids.compactMap { uid in
                    box.messages[uid].map { FetchedMessage(uid: uid, raw: $0, headerOnly: false, size: $0.count) }
                }
            }
        }

        func fetchHeaders(_ uids: [UInt32]) throws -> [FetchedMessage] {
            try fetchFull(uids)
        }

        func markSeen(_ uids: [UInt32]) throws {
            box.record(.markSeen(uids))
            try box.lock.withLock {
                if box.failingMarkSeen > 0 {
                    box.failingMarkSeen -= 1
                    throw Failure(description: "connection lost")
                }
                box.state.seen.formUnion(uids)
            }
        }

        func move(_ uids: [UInt32], to mailbox: String) throws {
            box.record(.move(uids, to: mailbox))
            box.lock.withLock {
                box.state.moved[mailbox, default: []].append(contentsOf: uids)
                for uid in uids { box.messages[uid] = nil }
            }
        }

        func idle(timeout: TimeInterval) throws -> Bool { false }

        func logout() {}
    }
}
