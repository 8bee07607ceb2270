import Testing

@testable import VigieMail

/// The byte-level pieces of the transaction: dot-stuffing, reply parsing, EHLO keywords (got/want tables).
@Suite struct SMTPWireTests {
    @Test(arguments: [
        ("", ".\r\n"),
        ("a\r\n", "a\r\n.\r\n"),
        ("a", "a\r\n.\r\n"),
        (".", "..\r\n.\r\n"),
        (".\r\n", "..\r\n.\r\n"),
        ("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n.\r\n"),
        ("a\r\n..b\r\n.c\r\n", "a\r\n...b\r\n..c\r\n.\r\n"),
        ("a.\r\nb. c\r\n", "a.\r\nb. c\r\n.\r\n"),
        ("x\r\n.", "x\r\n..\r\n.\r\n"),
        ("bare\n.lf\n", "bare\n..lf\n\r\n.\r\n"),
    ])
    func dotStuffing(message: String, wire: String) {
        #expect(String(decoding: SMTPWire.stuffedData(Array(message.utf8)), as: UTF8.self) == wire)
    }

    @Test func parserSplitsPipelinedAndPartialReplies() {
        var parser = SMTPWire.ReplyParser()
        func feed(_ s: String) { Array(s.utf8).withUnsafeBufferPointer { parser.append($0) } }
        feed("250 2.1.0 Ok\r\n250-2.1.5 first\r\n250 2.1.5 ")
        #expect(parser.next() == SMTPWire.Reply(code: 250, text: "250 2.1.0 Ok"))
        #expect(parser.next() == nil)
        #expect(parser.hasPartialReply)
        feed("second\r\n354 go ahead\r\n")
        #expect(parser.next() == SMTPWire.Reply(code: 250, text: "250-2.1.5 first\n250 2.1.5 second"))
        #expect(parser.next() == SMTPWire.Reply(code: 354, text: "354 go ahead"))
        #expect(parser.next() == nil)
        #expect(!parser.hasPartialReply)
        feed("garbage\n")
        #expect(parser.next() == SMTPWire.Reply(code: 0, text: "garbage"))
    }

    @Test func capabilitiesFromTheEHLOReply() {
        let all = SMTPWire.Capabilities(
            ehloReply: "250-relay.test\n250-pipelining\n250-SIZE 10240000\n250-8BITMIME\n250 SMTPUTF8")
        #expect(all.pipelining && all.size)
        // The greeting line (the relay's name) is not a keyword.
        let none = SMTPWire.Capabilities(ehloReply: "250 PIPELINING")
        #expect(none == SMTPWire.Capabilities())
    }

    @Test func envelopeCommands() {
        #expect(
            String(decoding: SMTPWire.mailFrom("b@v.test", size: 42), as: UTF8.self)
                == "MAIL FROM:<b@v.test> SIZE=42\r\n")
        #expect(String(decoding: SMTPWire.mailFrom("", size: nil), as: UTF8.self) == "MAIL FROM:<>\r\n")
        #expect(String(decoding: SMTPWire.rcptTo("a@e.test"), as: UTF8.self) == "RCPT TO:<a@e.test>\r\n")
    }
}
