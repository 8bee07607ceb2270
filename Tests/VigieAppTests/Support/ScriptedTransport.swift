import Foundation
import VigieCore

/// The relay as a script: replies per recipient, in order, then 250. Records every send and every connection.
final class ScriptedRelay: @unchecked Sendable {
    /// One message handed to a connection.
    struct Sent: Equatable {
        var connection: Int
        var recipient: String
    }

    private let lock = NSLock()
    private var script: [String: [SMTPReply]]
    private var sent: [Sent] = []
    private var opened = 0

    init(_ script: [String: [SMTPReply]] = [:]) { self.script = script }

    /// A transport factory for `Dispatcher`: each call is a new connection.
    var factory: @Sendable () -> any MailTransport {
        { [self] in
            let n = lock.withLock { () -> Int in
                opened += 1
                return opened
            }
            return Connection(relay: self, number: n)
        }
    }

    /// Connections opened so far.
    var connections: Int { lock.withLock { opened } }
    /// Messages handed over so far, in order.
    var log: [Sent] { lock.withLock { sent } }
    /// How many times `recipient` was handed a message.
    func attempts(_ recipient: String) -> Int { lock.withLock { sent.filter { $0.recipient == recipient }.count } }

    fileprivate func reply(connection: Int, recipient: String) -> SMTPReply {
        lock.withLock {
            sent.append(Sent(connection: connection, recipient: recipient))
            guard var replies = script[recipient], !replies.isEmpty else {
                return SMTPReply(code: 250, text: "250 2.0.0 Ok: queued", stage: .message)
            }
            let next = replies.removeFirst()
            script[recipient] = replies
            return next
        }
    }

    private final class Connection: MailTransport {
        let relay: ScriptedRelay
        let number: Int

        init(relay: ScriptedRelay, number: Int) {
            self.relay = relay
            self.number = number
        }

        func send(from envelopeFrom: String, to recipient: String, message: [UInt8]) -> SMTPReply {
            relay.reply(connection: number, recipient: recipient)
        }
    }
}
