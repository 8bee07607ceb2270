import Foundation
import Testing

@testable import VigieCore

/// The byte-level composer against the one it replaced (`OraclePreparedMessage`, kept verbatim): for the same inputs
/// the message bytes must be identical, whatever the subscriber's name, address, values, date and headers.
@Suite struct ComposeEquivalenceTests {
    typealias Seeded = SeededRandom

    /// Pieces names are made of: plain atoms, accents, specials that need quoting, encoded-word look-alikes,
    /// controls and separators `sanitize` replaces, spaces it trims (Zs and others), emoji, CJK, long runs.
    static let pieces = [
        "Jean", "Dupont", "Zoé", "Abonné·e", "n°", "42", "O'Brien", "Dupont, Jean", "\"Le\" Chef", "back\\slash",
        "(note)", "a.b", "=?UTF-8?Q?x?=", "=?", "?=", "tab\there", "cr\r\nlf", "\u{85}nel", "ligne\u{2028}sep",
        "\u{A0}", "\u{3000}", "\u{2003}", "\u{180E}", "\u{200B}", "\u{FEFF}", "\u{1680}", "😀", "李小龙", "Ünïcödé",
        String(repeating: "Longname", count: 12), String(repeating: "é", count: 40), "x", " ", "  ", "\u{7F}", "~",
        "Ça", "Ελένη", "ß", "é\u{301}", "\u{0}", "!#$%&*+-/=?^_`{|}~",
    ]

    static func name(_ rng: inout Seeded) -> String? {
        switch rng.next() % 10 {
        case 0: return nil
        case 1: return ""
        default:
            let count = 1 + Int(rng.next() % 6)
            let separators = [" ", " ", " ", "", "  ", "\u{A0}"]
            var s = ""
            for k in 0..<count {
                if k > 0 { s += separators[Int(rng.next() % UInt64(separators.count))] }
                s += pieces[Int(rng.next() % UInt64(pieces.count))]
            }
            return s
        }
    }

    static func address(_ rng: inout Seeded, _ i: Int) -> String {
        switch rng.next() % 12 {
        case 0: return "Weird <x>,y@exemple.fr"
        case 1: return "accentué\(i)@exemple.fr"
        case 2: return "a\r\nBcc: evil@x.fr"
        default: return "abonne\(i)@exemple\(i % 97).fr"
        }
    }

    static let markers = ["VIGIESLOT0XQZ", "VIGIESLOT1XQZ", "VIGIESLOT2XQZ"]

    static let text = """
        VIGIESLOT0XQZ

        Voici les nouvelles de la semaine. Une ligne assez longue pour être coupée par l'encodage \
        quoted-printable qui limite les lignes à 76 caractères, avec des accents : é à ù ç « guillemets ».
        .Une ligne qui commence par un point
        From une ligne qui commence par From
        Votre adresse : VIGIESLOT1XQZ
        Se désabonner : VIGIESLOT2XQZ
        """ + String(repeating: "\nParagraphe de remplissage pour approcher une vraie lettre, é è ê.", count: 60)

    static let html = """
        <!doctype html><html><body><p>VIGIESLOT0XQZ</p><p>Texte &amp; accents é à « »</p>
        <p>Adresse : VIGIESLOT1XQZ</p><a href="VIGIESLOT2XQZ">Se désabonner</a>
        """
        + String(repeating: "<p>Remplissage é è ê, un lien <a href=\"https://exemple.fr/a\">ici</a>.</p>\n", count: 80)
        + "VIGIESLOT2XQZ"

    static let zones = ["Europe/Paris", "UTC", "America/St_Johns", "Asia/Kolkata"].compactMap(
        TimeZone.init(identifier:))

    static func headers(_ rng: inout Seeded, token: String) -> [HeaderField] {
        var h =
            ListHeaders(
                listID: "La lettre <lettre.exemple.fr>", unsubscribeURLBase: "https://exemple.fr/u",
                unsubscribeMailbox: "desabonnement@exemple.fr", bounceDomain: "exemple.fr"
            ).fields(token: token) ?? []
        switch rng.next() % 6 {
        case 0: h.append(HeaderField(name: "X-Édition", value: "numéro spécial"))
        case 1: h.append(HeaderField(name: "subject", value: "reserved, dropped"))
        case 2: h.append(HeaderField(name: "X-Long", value: String(repeating: "mot ", count: 60) + "fin"))
        case 3: h.append(HeaderField(name: "X-Ctl", value: "a\r\nInjected: yes"))
        case 4: h.append(HeaderField(name: "", value: "nameless"))
        default: break
        }
        return h
    }

    @Test(arguments: [true, false])
    func composesTheSameBytesAsBefore(withHTML: Bool) {
        var rng = Seeded(state: withHTML ? 1 : 2)
        let html = withHTML ? Self.html : nil
        let current = PreparedMessage(text: Self.text, html: html, markers: Self.markers)
        let oracle = OraclePreparedMessage(text: Self.text, html: html, markers: Self.markers)
        let from = MailAddress(name: "La lettre de l'Observatoire", address: "lettre@exemple.fr")
        let subject = "Édition du 21 novembre : les nouvelles"
        let shared = PreparedMessage.SharedHeaders(from: from, subject: subject)
        let oracleShared = OraclePreparedMessage.SharedHeaders(from: from, subject: subject)
        var mismatches = 0
        for i in 0..<3000 {
            let to = MailAddress(name: Self.name(&rng), address: Self.address(&rng, i))
            let token = "\(String(i, radix: 36))-\(String(rng.next(), radix: 16))"
            let greeting = to.name.map { "Bonjour \($0)," } ?? "Bonjour,"
            let url = "https://exemple.fr/u/" + token
            let textValues = [greeting, to.address, url]
            let htmlValues = i % 7 == 0 ? [greeting] : [greeting.uppercased(), to.address, url]
            // Several messages share a second (the date cache), others jump; zones alternate.
            let date = Date(timeIntervalSince1970: 1_800_000_000 + Double(i / 3) * 37.25 + Double(i % 3) * 0.3)
            let zone = Self.zones[(i / 5) % Self.zones.count]
            let messageID =
                i % 11 == 0 ? "<bad id \(i)@x>" : "2026-11-21.\(String(i, radix: 36)).\(i * 7919)@exemple.fr"
            let headers = Self.headers(&rng, token: token)
            let new = current.compose(
                shared: shared, to: to, date: date, timeZone: zone, messageID: messageID, headers: headers,
                textValues: textValues, htmlValues: htmlValues)
            let old = oracle.compose(
                shared: oracleShared, to: to, date: date, timeZone: zone, messageID: messageID, headers: headers,
                textValues: textValues, htmlValues: htmlValues)
            if new != old {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        """
                        case \(i) differs (name \(String(reflecting: to.name)), address \(String(reflecting: to.address))):
                        \(String(decoding: new.prefix(1200), as: UTF8.self))
                        ---- expected
                        \(String(decoding: old.prefix(1200), as: UTF8.self))
                        """)
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func addressFieldFastPathMatchesTheEncoder() {
        var rng = Seeded(state: 3)
        for i in 0..<20000 {
            let field = ["To", "From", "Reply-To", "X:Bad", "T o"][i % 5]
            let address = MailAddress(name: Self.name(&rng), address: Self.address(&rng, i))
            var out: [UInt8] = [0x41]
            HeaderEncoding.appendAddressField(field, address, to: &out)
            let expected = [0x41] + Array(HeaderEncoding.addressField(field, address).utf8)
            #expect(out == expected, "\(field) \(String(reflecting: address.name)) \(address.address)")
            if out != expected { return }
        }
    }

    @Test func theFastPathIsTakenForCleanNames() {
        var out: [UInt8] = []
        for name in ["Jean Dupont", "Abonné·e n° 12", "Zoé", "李小龙 😀", "=?UTF-8?Q?x?= y"] {
            #expect(HeaderEncoding.appendPlainAddressField("To", MailAddress(name: name, address: "a@b.fr"), to: &out))
        }
        // Quoting and sanitizing stay with the string encoder.
        for name in ["Dupont, Jean", " Zoé", "Zoé\u{A0}", "a\tb"] {
            #expect(!HeaderEncoding.appendPlainAddressField("To", MailAddress(name: name, address: "a@b.fr"), to: &out))
        }
    }

    @Test func dateFieldIsTheSameWithTheCache() {
        for i in 0..<2000 {
            let date = Date(timeIntervalSince1970: 1_700_000_000 + Double(i) * 3_607.7 + (i % 2 == 0 ? 0.999 : 0))
            let zone = Self.zones[i % Self.zones.count]
            #expect(RFC5322Date.format(date, timeZone: zone) == OracleDate.format(date, timeZone: zone))
            #expect(RFC5322Date.format(date, timeZone: zone) == OracleDate.format(date, timeZone: zone))
        }
    }
}
