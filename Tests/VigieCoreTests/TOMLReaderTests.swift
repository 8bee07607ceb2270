import Foundation
import Testing

@testable import VigieCore

/// A document, how a reader reads it, and the exact error text expected.
struct ReaderErrorCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let read: @Sendable (TOMLReader) throws -> Void
    let expected: String
    var testDescription: String { name }
}

@Suite("TOML reader")
struct TOMLReaderTests {
    static let file = "queues/reports.toml"

    static let errors: [ReaderErrorCase] = [
        .init(
            name: "integer given a string",
            text: "[intake]\nmailbox = \"INBOX\"\n\n\n\n\npoll_interval_seconds = \"ten\"",
            read: { r in _ = try r.table("intake").int("poll_interval_seconds", default: 60) },
            expected:
                #"queues/reports.toml: line 7: key "poll_interval_seconds" must be an integer, found string "ten""#),
        .init(
            name: "integer out of range", text: "\nconnections = 0",
            read: { r in _ = try r.int("connections", default: 2, range: 1...16) },
            expected: #"queues/reports.toml: line 2: key "connections" must be between 1 and 16, found 0"#),
        .init(
            name: "integer below an open range", text: "batch = -1",
            read: { r in _ = try r.int("batch", default: 2, range: 1...Int.max) },
            expected: #"queues/reports.toml: line 1: key "batch" must be at least 1, found -1"#),
        .init(
            name: "integer given a float", text: "batch = 2.5",
            read: { r in _ = try r.int("batch", default: 2) },
            expected: #"queues/reports.toml: line 1: key "batch" must be an integer, found float 2.5"#),
        .init(
            name: "double given a string", text: "rate = \"fast\"",
            read: { r in _ = try r.double("rate", default: 1) },
            expected: #"queues/reports.toml: line 1: key "rate" must be a number, found string "fast""#),
        .init(
            name: "double out of range", text: "rate = 1e6",
            read: { r in _ = try r.double("rate", default: 1, range: 0.1...100) },
            expected: #"queues/reports.toml: line 1: key "rate" must be between 0.1 and 100, found 1000000"#),
        .init(
            name: "bool given a string", text: "[tls]\nverify = \"yes\"",
            read: { r in _ = try r.table("tls").bool("verify", default: true) },
            expected: #"queues/reports.toml: line 2: key "verify" must be true or false, found string "yes""#),
        .init(
            name: "string given an integer", text: "mailbox = 3",
            read: { r in _ = try r.string("mailbox", default: "INBOX") },
            expected: #"queues/reports.toml: line 1: key "mailbox" must be a string, found integer 3"#),
        .init(
            name: "string not among choices", text: "tls = \"ssl\"",
            read: { r in _ = try r.string("tls", default: "starttls", oneOf: ["none", "starttls", "tls"]) },
            expected: #"queues/reports.toml: line 1: key "tls" must be one of "none", "starttls", "tls", found "ssl""#),
        .init(
            name: "string array with an integer", text: "hosts = [\"a\", 3]",
            read: { r in _ = try r.stringArray("hosts", default: []) },
            expected:
                #"queues/reports.toml: line 1: key "hosts" must be an array of strings, found an element that is integer 3"#
        ),
        .init(
            name: "string array given a string", text: "hosts = \"a\"",
            read: { r in _ = try r.stringArray("hosts") },
            expected: #"queues/reports.toml: line 1: key "hosts" must be an array of strings, found string "a""#),
        .init(
            name: "table given a value", text: "intake = 1",
            read: { r in _ = try r.table("intake") },
            expected: #"queues/reports.toml: line 1: key "intake" must be a table, found integer 1"#),
        .init(
            name: "tables given a table", text: "[servers]\nhost = \"a\"",
            read: { r in _ = try r.tables("servers") },
            expected: #"queues/reports.toml: line 1: key "servers" must be an array of tables, found table"#),
        .init(
            name: "tables with a scalar element", text: "servers = [{ host = \"a\" }, 2]",
            read: { r in _ = try r.tables("servers") },
            expected:
                #"queues/reports.toml: line 1: key "servers" must be an array of tables, found an element that is integer 2"#
        ),
        .init(
            name: "missing required key in a missing table", text: "[intake]\nmailbox = \"x\"",
            read: { r in _ = try r.table("database").requiredString("path") },
            expected: #"queues/reports.toml: missing required key "database.path""#),
        .init(
            name: "missing required key at top", text: "",
            read: { r in _ = try r.requiredInt("version") },
            expected: #"queues/reports.toml: missing required key "version""#),
        .init(
            name: "missing required table", text: "",
            read: { r in _ = try r.requiredTable("smtp") },
            expected: #"queues/reports.toml: missing required table [smtp]"#),
        .init(
            name: "missing key in an array entry", text: "[[relays]]\nhost = \"a\"\n[[relays]]\nport = 25",
            read: { r in for relay in try r.tables("relays") { _ = try relay.requiredString("host") } },
            expected: #"queues/reports.toml: missing required key "relays[2].host""#),
        .init(
            name: "syntax error names the file", text: "[intake]\nrate 10",
            read: { _ in },
            expected: #"queues/reports.toml: line 2: expected '=' after key "rate", found '1'"#),
        .init(
            name: "unknown key with a suggestion",
            text: "[intake]\nserver = \"imap.example.org\"\n\nmailbx = \"INBOX\"",
            read: { r in
                let intake = try r.table("intake")
                _ = try intake.string("server", default: "")
                _ = try intake.string("mailbox", default: "INBOX")
                try r.finish()
            },
            expected:
                #"queues/reports.toml: unknown key "mailbx" in [intake] (line 4); check the spelling (did you mean "mailbox"?)"#
        ),
        .init(
            name: "unknown key without a suggestion", text: "colour = \"red\"\nname = \"x\"",
            read: { r in
                _ = try r.string("name")
                try r.finish()
            },
            expected: #"queues/reports.toml: unknown key "colour" at top level (line 1); check the spelling"#),
        .init(
            name: "unknown table", text: "[intake]\n[outbond]\nrate = 1",
            read: { r in
                _ = try r.table("intake")
                _ = try r.table("outbound")
                try r.finish()
            },
            expected:
                #"queues/reports.toml: unknown key "outbond" at top level (line 2); check the spelling (did you mean "outbound"?)"#
        ),
        .init(
            name: "unknown keys everywhere, in document order",
            text: "a = 1\nzz = 2\n[t]\nb = 1\nyy = 3\n[[list]]\nc = 1\n[[list]]\nc = 2\nxx = 4",
            read: { r in
                _ = try r.int("a")
                _ = try r.table("t").int("b")
                for entry in try r.tables("list") { _ = try entry.int("c") }
                try r.finish()
            },
            expected: """
                queues/reports.toml: unknown key "zz" at top level (line 2); check the spelling
                queues/reports.toml: unknown key "yy" in [t] (line 5); check the spelling
                queues/reports.toml: unknown key "xx" in [[list]] entry 2 (line 10); check the spelling
                """),
        .init(
            name: "unknown key in nested table", text: "[a.b]\nkey = 1\nkye = 2",
            read: { r in
                _ = try r.table("a").table("b").int("key")
                try r.finish()
            },
            expected: #"queues/reports.toml: unknown key "kye" in [a.b] (line 3); check the spelling"#),
    ]

    @Test("errors name the file, key and line", arguments: errors)
    func reportsErrors(_ testCase: ReaderErrorCase) {
        do {
            let reader = try TOMLReader(parsing: testCase.text, file: Self.file)
            try testCase.read(reader)
            Issue.record("expected an error")
        } catch let error as TOMLReadError {
            #expect(error.description == testCase.expected)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func readsTypedValuesWithDefaults() throws {
        let reader = try TOMLReader(
            parsing: """
                name = "reports"
                enabled = false
                rate = 10
                ratio = 0.5
                hosts = ["a", "b"]
                started = 2024-01-02T03:04:05Z
                [intake]
                mailbox = "Signalements"
                [[relays]]
                host = "r1"
                [[relays]]
                host = "r2"
                port = 2525
                """, file: "x.toml")
        #expect(try reader.requiredString("name") == "reports")
        #expect(try reader.string("absent", default: "d") == "d")
        #expect(try reader.string("absent") == nil)
        #expect(try reader.bool("enabled", default: true) == false)
        #expect(try reader.bool("absent", default: true) == true)
        #expect(try reader.int("rate", default: 1, range: 1...100) == 10)
        #expect(try reader.double("rate", default: 1) == 10)
        #expect(try reader.double("ratio", default: 1, range: 0...1) == 0.5)
        #expect(try reader.double("absent", default: 1.5) == 1.5)
        #expect(try reader.stringArray("hosts", default: []) == ["a", "b"])
        #expect(try reader.requiredStringArray("hosts") == ["a", "b"])
        #expect(try reader.datetime("started")?.date == Date(timeIntervalSince1970: 1_704_164_645))
        let intake = try reader.table("intake")
        #expect(intake.path == "intake")
        #expect(try intake.string("mailbox", default: "INBOX") == "Signalements")
        let relays = try reader.tables("relays")
        #expect(relays.count == 2)
        #expect(try relays.map { try $0.requiredString("host") } == ["r1", "r2"])
        #expect(try relays.map { try $0.int("port", default: 25) } == [25, 2525])
        #expect(relays[1].path == "relays[2]")
        #expect(try reader.tables("absent").isEmpty)
        #expect(try reader.table("absent").contains("x") == false)
        try reader.finish()
    }

    @Test func finishOnASubTableChecksOnlyThatTable() throws {
        let reader = try TOMLReader(parsing: "stray = 1\n[intake]\nmailbox = \"x\"", file: "f.toml")
        let intake = try reader.table("intake")
        _ = try intake.string("mailbox")
        try intake.finish()
        #expect(throws: TOMLReadError.self) { try reader.finish() }
    }

    @Test func valueAndStringArrayCountAsRead() throws {
        let reader = try TOMLReader(parsing: "labels = { a = 1 }\nlist = [1, 2]", file: "f.toml")
        #expect(reader.value("labels")?.tableValue?["a"] == 1)
        #expect(reader.value("list") == [1, 2])
        try reader.finish()
    }

    @Test func closestSuggestion() {
        #expect(TOMLReader.closest(to: "mailbx", among: ["mailbox", "server"]) == "mailbox")
        #expect(TOMLReader.closest(to: "x", among: ["y"]) == nil)
        #expect(TOMLReader.closest(to: "rate", among: ["date", "gate"]) == nil)
        #expect(TOMLReader.editDistance("kitten", "sitting") == 3)
    }
}
