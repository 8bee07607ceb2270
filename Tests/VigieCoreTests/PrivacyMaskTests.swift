import Testing
import VigieCore

@Suite struct PrivacyMaskTests {
    @Test(arguments: [
        ("Écrivez-moi à jean.dupont@exemple.fr !", ["Jean Dupont"], "Écrivez-moi à [adresse masquée] !"),
        ("Jean Dupont, <jd@x.fr>", ["Jean Dupont", "jd@x.fr"], "[nom masqué] [nom masqué], <[adresse masquée]>"),
        ("signé : DUPONT.", ["Jean Dupont"], "signé : [nom masqué]."),
        ("capture_jean-dupont.png", ["jean.dupont@x.fr"], "capture_[nom masqué]-[nom masqué].png"),
        ("Un élu, Jo, insulte.", ["Jo"], "Un élu, Jo, insulte."),  // under 3 letters: left as is
        ("Dupontel n'est pas Dupont", ["Dupont"], "Dupontel n'est pas [nom masqué]"),
        ("texte\n-- \nJean Dupont 06 00 00 00 00", ["x"], "texte"),
        ("a@b", [], "[adresse masquée]"),
    ])
    func masksAddressesNamesAndSignatures(input: String, names: [String], expected: String) {
        #expect(PrivacyMask.mask(input, names: names) == expected)
    }
}
