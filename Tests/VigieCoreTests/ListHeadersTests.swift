import Foundation
import Testing
import VigieCore

@Suite struct ListHeadersTests {
    let list = ListHeaders(
        listID: "Lettre Vigie <lettre.vigie.example.org>", unsubscribeURLBase: "https://vigie.example.org/u",
        unsubscribeMailbox: "desabonnement@vigie.example.org", bounceDomain: "Vigie.Example.org")

    @Test func fieldsCarryTheTokenInBothUnsubscribeForms() throws {
        let fields = try #require(list.fields(token: "Zk3_-9aB"))
        #expect(fields.map(\.name) == ["List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "Precedence"])
        #expect(
            fields[1].value == "<https://vigie.example.org/u/Zk3_-9aB>, "
                + "<mailto:desabonnement@vigie.example.org?subject=unsubscribe-Zk3_-9aB>")
        #expect(fields[2].value == "List-Unsubscribe=One-Click")
        #expect(fields[3].value == "bulk")
    }

    @Test(arguments: ["", "a/b", "a b", "a\r\nBcc: x", "tok=en", "tök", "a+b", "a@b", "a.b"])
    func unsafeTokensAreRefused(token: String) {
        #expect(list.fields(token: token) == nil)
        #expect(list.envelopeSender(token: token) == nil)
    }

    @Test func verpAddressRoundTrips() throws {
        let sender = try #require(list.envelopeSender(token: "Zk3_-9aB"))
        #expect(sender == "bounces+Zk3_-9aB@vigie.example.org")
        #expect(EmailAddress.validate(sender) == sender)
        #expect(list.token(fromBounceRecipient: sender) == "Zk3_-9aB")
        #expect(list.token(fromBounceRecipient: "<BOUNCES+Zk3_-9aB@VIGIE.EXAMPLE.ORG>") == "Zk3_-9aB")
        #expect(list.token(fromBounceRecipient: "bounces+Zk3@other.example.org") == nil)
        #expect(list.token(fromBounceRecipient: "postmaster@vigie.example.org") == nil)
        #expect(list.token(fromBounceRecipient: "bounces+@vigie.example.org") == nil)
    }

    @Test func composedMessageCarriesTheListFieldsUnfolded() throws {
        let message = OutgoingMessage(
            from: MailAddress(address: "lettre@vigie.example.org"), to: MailAddress(address: "a@example.org"),
            subject: "S", date: .init(timeIntervalSince1970: 0), messageID: "1@vigie.example.org",
            headers: try #require(list.fields(token: "tok")), textBody: "x")
        let text = MessageComposer.composeString(message)
        #expect(
            text.contains(
                "\r\nList-Unsubscribe: <https://vigie.example.org/u/tok>,\r\n "
                    + "<mailto:desabonnement@vigie.example.org?subject=unsubscribe-tok>\r\n"))
        #expect(text.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"))
        #expect(text.contains("\r\nPrecedence: bulk\r\n"))
        #expect(text.contains("\r\nList-Id: Lettre Vigie <lettre.vigie.example.org>\r\n"))
    }
}
