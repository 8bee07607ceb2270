import Foundation
import Testing
import VigieCore

@Suite struct PreparedMessageTests {
    static let markers = ["SLOTAXQZ", "SLOTBXQZ"]

    func compose(text: String, html: String?, values: [String]) -> (prepared: [UInt8], reference: [UInt8]) {
        let p = PreparedMessage(text: text, html: html, markers: Self.markers)
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let from = MailAddress(name: "La lettre", address: "lettre@example.org")
        let to = MailAddress(name: "Zoé", address: "zoe@example.org")
        let headers = [HeaderField(name: "List-Id", value: "La lettre <lettre.example.org>")]
        let prepared = p.compose(
            from: from, to: to, subject: "Édition du jour", date: date, messageID: "a@b",
            headers: headers, textValues: values, htmlValues: values)
        func fill(_ s: String) -> String {
            var s = s
            for (m, v) in zip(Self.markers, values) { s = s.replacingOccurrences(of: m, with: v) }
            return s
        }
        let reference = MessageComposer.compose(
            OutgoingMessage(
                from: from, to: to, subject: "Édition du jour", date: date, timeZone: .current, messageID: "a@b",
                headers: headers, textBody: fill(text), htmlBody: html.map(fill)))
        return (prepared, reference)
    }

    @Test(arguments: [
        ("Bonjour SLOTAXQZ,\nvotre lien : SLOTBXQZ\n", "Bonjour Zoé, dit « Z »", "https://www.example.org/u/1-abc"),
        ("SLOTAXQZ en tête puis du texte très long " + String(repeating: "é", count: 200) + " SLOTBXQZ", "", "x"),
        ("Pas de valeur ici.\n.point en début de ligne\nFrom début\n", "a", "b"),
        ("Fin sans saut SLOTBXQZ", "v", String(repeating: "long-valeur-", count: 30)),
    ])
    func decodesToTheSameBodiesAsTheComposer(text: String, a: String, b: String) {
        let (prepared, reference) = compose(
            text: text, html: "<p>SLOTAXQZ</p><a href=\"SLOTBXQZ\">x</a>", values: [a, b])
        let p = MIMEPreview.bodies(of: prepared)
        let r = MIMEPreview.bodies(of: reference)
        #expect(p.text == r.text)
        #expect(p.html == r.html)
        #expect(MIMEPreview.headerBlock(of: prepared) == MIMEPreview.headerBlock(of: reference))
        // Quoted-printable's own limit, and SMTP's.
        for line in prepared.split(separator: 0x0A, omittingEmptySubsequences: false) {
            #expect(line.count <= 77, "line of \(line.count): \(String(decoding: line, as: UTF8.self))")
        }
        #expect(prepared.last == 0x0A)
    }

    @Test func textOnlyMessage() {
        let (prepared, reference) = compose(text: "Merci SLOTAXQZ.", html: nil, values: ["Camille", ""])
        #expect(MIMEPreview.bodies(of: prepared).text == MIMEPreview.bodies(of: reference).text)
        #expect(!String(decoding: prepared, as: UTF8.self).contains("multipart"))
    }
}
