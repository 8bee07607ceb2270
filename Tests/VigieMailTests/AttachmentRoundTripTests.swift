import Foundation
import Testing
import VigieCore
import VigieMail

/// Files composed into a notice come out of the parser byte for byte, with their names; and a citizen's screenshot is
/// read out of a real report.
@Suite struct AttachmentRoundTripTests {
    @Test func composedAttachmentsParseBackByteForByte() throws {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47] + (0..<5000).map { UInt8(($0 * 7) % 256) }
        let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF] + (0..<77).map { UInt8($0) }
        var m = OutgoingMessage(
            from: MailAddress(address: "signalements@example.org"), to: MailAddress(address: "dsa@x.example"),
            subject: "Notification", date: Date(timeIntervalSince1970: 1_780_000_000), messageID: "n.1@example.org",
            textBody: "Madame, Monsieur,\n\nLigne longue " + String(repeating: "é", count: 200))
        m.attachments = [
            Attachment(filename: "capture-12-1.png", mimeType: "image/png", bytes: png),
            Attachment(filename: "capture d'écran.jpg", mimeType: "IMAGE/JPEG", bytes: jpeg),
        ]
        m.replyTo = MailAddress(address: "reponses@example.org")
        let bytes = MessageComposer.compose(m)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.split(separator: "\r\n", omittingEmptySubsequences: false).allSatisfy { $0.utf8.count <= 998 })
        #expect(text.contains("Reply-To: <reponses@example.org>\r\n"))
        let files = try MessageParser.attachments(of: bytes)
        #expect(files.map(\.bytes) == [png, jpeg])
        #expect(files.map(\.filename) == ["capture-12-1.png", "capture d'écran.jpg"])
        #expect(files.map(\.mimeType) == ["image/png", "image/jpeg"])
        let parsed = try MessageParser.parse(bytes)
        #expect(parsed.text.hasPrefix("Madame, Monsieur,"))
        #expect(parsed.attachments.count == 2)
    }

    @Test func aCitizensScreenshotIsReadOutOfTheReport() throws {
        let files = try MessageParser.attachments(of: try fixture("screenshot"))
        let shot = try #require(files.first)
        #expect(shot.isImage)
        #expect(shot.bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(shot.bytes.count == (try MessageParser.parse(try fixture("screenshot"))).attachments.first?.size)
    }
}
