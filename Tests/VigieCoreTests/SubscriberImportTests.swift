import Testing
import VigieCore

@Suite struct SubscriberImportTests {
    @Test(arguments: [
        ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("a,\"b, c\"\n\"x \"\"y\"\"\",z", [["a", "b, c"], ["x \"y\"", "z"]]),
        ("\u{FEFF}email\n\"multi\nline\"\n", [["email"], ["multi\nline"]]),
        ("a,b\n\n\nc,d\n", [["a", "b"], ["c", "d"]]),
        ("a,,c\n", [["a", "", "c"]]),
    ])
    func rfc4180(text: String, expected: [[String]]) {
        let r = CSVReader.read(text)
        #expect(r.records.map(\.fields) == expected)
        #expect(r.problems.isEmpty)
    }

    @Test func brokenQuotingIsReportedWithItsLine() {
        let r = CSVReader.read("email,name\nok@x.fr,Ok\nbad@x.fr,\"Open\nnever closed")
        #expect(r.records.count == 2)
        #expect(r.problems.first?.line == 3)
        let stray = CSVReader.read("email,name\na@x.fr,Jean \"JJ\" Dupont\n")
        #expect(stray.problems.first?.line == 2)
    }

    @Test func rowsAreValidatedMergedAndReportedByLine() throws {
        let csv = [
            "email,name,language",
            "anne@Exemple.FR,Anne,fr",
            "ANNE@exemple.fr,,fr",  // duplicate, other case: merged
            "not-an-address,Bob,fr",
            "carl@exemple.fr,Carl,français",  // bad language code
            "dora@exemple.fr,\"Dora\r\nBcc: evil@x.fr\",en",  // a name cannot smuggle a header
            "eve@exemple.fr",  // too few fields
        ].joined(separator: "\r\n")
        let r = try SubscriberImport.read(csv)
        #expect(r.rows.map(\.email) == ["anne@exemple.fr", "dora@exemple.fr"])
        #expect(r.duplicates == 1)
        #expect(r.rejections.map(\.line) == [4, 5, 8])
        #expect(r.rows[1].name?.contains("\r") == false)
        #expect(r.rows[1].name?.contains("\n") == false)
        #expect(r.rows[1].language == "en")
    }

    /// Excel in a French or German locale writes `;`; some tools write tabs: the header line says which.
    @Test(
        arguments: [
            ("email;name;language\r\nanne@exemple.fr;\"Dupont, Anne\";fr\r\n", "Dupont, Anne"),
            ("email\tname\nanne@exemple.fr\tAnne; la première\n", "Anne; la première"),
            ("email,name\nanne@exemple.fr,\"Anne; B\"\n", "Anne; B"),
            ("\"e;mail\",name\n", nil),
        ] as [(String, String?)])
    func separatorComesFromTheHeaderLine(csv: String, name: String?) throws {
        guard let name else {
            // A `;` inside a quoted header field is not a separator.
            #expect(CSVReader.detectSeparator(csv) == UInt8(ascii: ","))
            return
        }
        let r = try SubscriberImport.read(csv)
        #expect(r.rejections.isEmpty, "\(r.rejections)")
        #expect(r.rows.map(\.email) == ["anne@exemple.fr"])
        #expect(r.rows.first?.name == name)
    }

    /// A quoted line break in a name is a space, not nothing; other controls and bidi overrides are dropped.
    @Test(arguments: [
        ("\"Jean\nDupont\"", "Jean Dupont"),
        ("\"Jean\r\nDupont\"", "Jean Dupont"),
        ("\"Jean \n\t Dupont\"", "Jean Dupont"),
        ("\"Jean\u{1B}[2J\u{202E}Dupont\"", "Jean[2JDupont"),
        ("'=Dupont", "=Dupont"),  // the prefix `subscribers export` adds against formulas
        ("'-Dupont", "-Dupont"),
        ("'Dupont", "'Dupont"),
    ])
    func namesStayOnOneReadableLine(field: String, expected: String) throws {
        let r = try SubscriberImport.read("email,name\nanne@exemple.fr,\(field)\n")
        #expect(r.rows.first?.name == expected)
    }

    @Test(arguments: ["", "mail,nom\nx@y.fr,X", "email,name,age\nx@y.fr,X,3"])
    func unusableFilesAreRefused(csv: String) {
        #expect(throws: ConfigError.self) { try SubscriberImport.read(csv) }
    }
}
