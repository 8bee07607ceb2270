import Foundation
import Testing

@testable import VigieCore

/// A document and the root table it must parse to.
struct ValidTOMLCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let expected: TOMLTable
    var testDescription: String { name }
}

/// A document that must fail, with the line of the error and a fragment of its message.
struct InvalidTOMLCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let line: Int
    let fragment: String
    var testDescription: String { name }
}

@Suite("TOML parser")
struct TOMLTests {
    static let valid: [ValidTOMLCase] = [
        .init(name: "empty", text: "", expected: [:]),
        .init(name: "comments and blank lines", text: "# a comment\n\n   # indented\n\t\n", expected: [:]),
        .init(name: "bare key", text: "key = \"value\"", expected: ["key": "value"]),
        .init(name: "bare key chars", text: "bare_key-1 = 1\n1234 = 2", expected: ["bare_key-1": 1, "1234": 2]),
        .init(
            name: "quoted keys", text: "\"a b\" = 1\n'c.d' = 2\n\"\" = 3\n\"\\u00e9\" = 4",
            expected: ["a b": 1, "c.d": 2, "": 3, "é": 4]),
        .init(
            name: "dotted keys", text: "a.b.c = 1\na.b.d = 2\na . e = 3",
            expected: ["a": ["b": ["c": 1, "d": 2], "e": 3]]),
        .init(
            name: "dotted quoted key", text: "site.\"google.com\" = true",
            expected: ["site": ["google.com": true]]),
        .init(
            name: "comment after value", text: "a = 1 # one\nb = \"#not a comment\" # real",
            expected: ["a": 1, "b": "#not a comment"]),
        .init(name: "CRLF line ends", text: "a = 1\r\nb = 2\r\n", expected: ["a": 1, "b": 2]),
        .init(
            name: "basic string escapes",
            text: #"s = "tab\tnl\nquote\"back\\slash\b\f\r é \u00E9 \U0001F600""#,
            expected: ["s": .string("tab\tnl\nquote\"back\\slash\u{8}\u{C}\r é é 😀")]),
        .init(
            name: "literal string", text: #"s = 'C:\Users\nodejs\templates'"#,
            expected: ["s": #"C:\Users\nodejs\templates"#]),
        .init(
            name: "multi-line basic trims first newline", text: "s = \"\"\"\nRoses\nViolets\"\"\"",
            expected: ["s": "Roses\nViolets"]),
        .init(
            name: "multi-line basic line-ending backslash",
            text: "s = \"\"\"\nThe quick \\\n\n   brown \\   \n  fox.\"\"\"",
            expected: ["s": "The quick brown fox."]),
        .init(
            name: "multi-line basic quotes inside", text: "s = \"\"\"Here are \"\" two \"quotes\".\"\"\"\"\"",
            expected: ["s": "Here are \"\" two \"quotes\".\"\""]),
        .init(name: "multi-line basic CRLF normalised", text: "s = \"\"\"\r\na\r\nb\"\"\"", expected: ["s": "a\nb"]),
        .init(
            name: "multi-line literal", text: "s = '''\nThe first newline is\ntrimmed \\n kept.\n'''",
            expected: ["s": "The first newline is\ntrimmed \\n kept.\n"]),
        .init(
            name: "multi-line literal quotes", text: "s = ''''That,' she said, 'is it.''''",
            expected: ["s": "'That,' she said, 'is it.'"]),
        .init(
            name: "integers", text: "a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\ng = -0",
            expected: ["a": 99, "b": 42, "c": 0, "d": -17, "e": 1000, "f": 5_349_221, "g": 0]),
        .init(
            name: "integer limits", text: "max = 9223372036854775807\nmin = -9223372036854775808",
            expected: ["max": .integer(.max), "min": .integer(.min)]),
        .init(
            name: "hex octal binary", text: "h = 0xDEAD_beef\no = 0o755\nb = 0b1101_0110\nz = 0x0",
            expected: ["h": 0xDEAD_BEEF, "o": 0o755, "b": 0b1101_0110, "z": 0]),
        .init(
            name: "floats",
            text: "a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\n"
                + "h = 224_617.445_991_228\ni = 0.0",
            expected: [
                "a": 1.0, "b": 3.1415, "c": -0.01, "d": 5e22, "e": 1e6, "f": -0.02, "g": 6.626e-34,
                "h": 224_617.445_991_228, "i": 0.0,
            ]),
        .init(
            name: "special floats", text: "a = inf\nb = +inf\nc = -inf\nd = nan\ne = -nan",
            expected: [
                "a": .float(.infinity), "b": .float(.infinity), "c": .float(-.infinity),
                "d": .float(.nan), "e": .float(.nan),
            ]),
        .init(name: "booleans", text: "t = true\nf = false", expected: ["t": true, "f": false]),
        .init(
            name: "arrays",
            text: "a = [1, 2, 3]\nb = [\"x\", 'y']\nc = [[1, 2], [\"a\"]]\nd = []\ne = [1, \"mixed\", 2.5]",
            expected: ["a": [1, 2, 3], "b": ["x", "y"], "c": [[1, 2], ["a"]], "d": [], "e": [1, "mixed", 2.5]]),
        .init(
            name: "multi-line array, trailing comma, comments",
            text: "a = [\n  1, # one\n  2,\n\n  # nothing\n  3,\n]\nb = [\n]",
            expected: ["a": [1, 2, 3], "b": []]),
        .init(
            name: "inline tables", text: "p = { x = 1, y = 2 }\nq = {}\nr = { a.b = 1, a.c = \"s\", n = { m = [1] } }",
            expected: ["p": ["x": 1, "y": 2], "q": [:], "r": ["a": ["b": 1, "c": "s"], "n": ["m": [1]]]]),
        .init(
            name: "array of inline tables", text: "points = [ { x = 1 }, { x = 2 } ]",
            expected: ["points": [["x": 1], ["x": 2]]]),
        .init(
            name: "tables", text: "[server]\nhost = \"h\"\n\n[server.tls]\nmode = \"starttls\"\n[client]\n",
            expected: ["server": ["host": "h", "tls": ["mode": "starttls"]], "client": [:]]),
        .init(
            name: "header whitespace and quoted parts", text: "[ a . \"b c\" . 'd' ]\nk = 1",
            expected: ["a": ["b c": ["d": ["k": 1]]]]),
        .init(
            name: "implicit super-table defined later", text: "[x.y.z]\na = 1\n[x]\nb = 2",
            expected: ["x": ["y": ["z": ["a": 1]], "b": 2]]),
        .init(
            name: "sub-table of dotted table",
            text: "[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true",
            expected: ["fruit": ["apple": ["color": "red", "texture": ["smooth": true]]]]),
        .init(
            name: "array of tables",
            text: "[[products]]\nname = \"Hammer\"\n[[products]]\n[[products]]\nname = \"Nail\"\ncolor = \"gray\"",
            expected: ["products": [["name": "Hammer"], [:], ["name": "Nail", "color": "gray"]]]),
        .init(
            name: "nested array of tables",
            text: "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\n"
                + "name = \"red delicious\"\n[[fruits.varieties]]\nname = \"granny smith\"\n[[fruits]]\nname = \"banana\"\n"
                + "[[fruits.varieties]]\nname = \"plantain\"",
            expected: [
                "fruits": [
                    [
                        "name": "apple", "physical": ["color": "red"],
                        "varieties": [["name": "red delicious"], ["name": "granny smith"]],
                    ],
                    ["name": "banana", "varieties": [["name": "plantain"]]],
                ]
            ]),
        .init(
            name: "root keys then tables", text: "title = \"t\"\n[owner]\nname = \"n\"\n[[queues]]\nname = \"q\"",
            expected: ["title": "t", "owner": ["name": "n"], "queues": [["name": "q"]]]),
        .init(
            name: "unicode in strings and BOM", text: "\u{FEFF}s = \"Élysée « guillemets » 🇫🇷\"",
            expected: ["s": "Élysée « guillemets » 🇫🇷"]),
        .init(name: "tab whitespace", text: "\ta\t=\t1\t", expected: ["a": 1]),
    ]

    @Test("valid documents", arguments: valid)
    func parsesValid(_ testCase: ValidTOMLCase) throws {
        let table = try TOML.parse(testCase.text)
        #expect(table == testCase.expected)
    }

    static let invalid: [InvalidTOMLCase] = [
        .init(name: "missing equals", text: "a = 1\n\nrate 10", line: 3, fragment: "expected '=' after key \"rate\""),
        .init(name: "missing equals at line end", text: "rate\n", line: 1, fragment: "expected '=' after key \"rate\""),
        .init(name: "missing value", text: "a =\n", line: 1, fragment: "missing value for key \"a\""),
        .init(name: "missing value with comment", text: "a = # x", line: 1, fragment: "missing value"),
        .init(
            name: "duplicate key", text: "a = 1\nb = 2\na = 3", line: 3,
            fragment: "key \"a\" defined twice (first on line 1)"),
        .init(name: "duplicate dotted key", text: "a.b = 1\na.b = 2", line: 2, fragment: "defined twice"),
        .init(name: "value then dotted", text: "a = 1\na.b = 2", line: 2, fragment: "key \"a\" is already an integer"),
        .init(
            name: "table defined twice", text: "[a]\nx = 1\n\n[a]\ny = 2", line: 4,
            fragment: "table [a] defined twice (first on line 1)"),
        .init(
            name: "implicit then explicit twice", text: "[a.b]\n[a]\n[a]", line: 3, fragment: "table [a] defined twice"),
        .init(
            name: "table over dotted keys", text: "[fruit]\napple.color = \"red\"\n[fruit.apple]", line: 3,
            fragment: "already defined by dotted keys on line 2"),
        .init(
            name: "table over value", text: "a = 1\n[a]", line: 2, fragment: "already defined as an integer on line 1"),
        .init(
            name: "header through value", text: "a = 1\n[a.b]", line: 2,
            fragment: "key \"a\" is an integer, not a table"),
        .init(
            name: "dotted key into header table", text: "[a.b]\nx = 1\n[a]\nb.y = 2", line: 4,
            fragment: "cannot add keys to table [a.b]"),
        .init(
            name: "extend inline table by dotted key", text: "a = { x = 1 }\na.y = 2", line: 2,
            fragment: "cannot add to inline table \"a\""),
        .init(
            name: "extend inline table by header", text: "a = { x = 1 }\n[a.b]", line: 2,
            fragment: "cannot add to inline table"),
        .init(
            name: "redefine inline table", text: "a = { x = 1 }\n[a]", line: 2,
            fragment: "already defined as an inline table"),
        .init(
            name: "array of tables over static array", text: "a = [1]\n[[a]]", line: 2,
            fragment: "cannot append to key \"a\""),
        .init(name: "table then array of tables", text: "[a]\n[[a]]", line: 2, fragment: "conflicts with table [a]"),
        .init(name: "array of tables then table", text: "[[a]]\n[a]", line: 2, fragment: "already an array of tables"),
        .init(name: "duplicate key in inline table", text: "a = { x = 1, x = 2 }", line: 1, fragment: "defined twice"),
        .init(name: "inline table newline", text: "a = { x = 1,\n y = 2 }", line: 1, fragment: "newline not allowed"),
        .init(name: "inline table trailing comma", text: "a = { x = 1, }", line: 1, fragment: "trailing comma"),
        .init(
            name: "inline table missing comma", text: "a = { x = 1 y = 2 }", line: 1, fragment: "expected ',' or '}'"),
        .init(name: "unterminated inline table", text: "a = { x = 1", line: 1, fragment: "unterminated inline table"),
        .init(name: "array missing comma", text: "a = [\n1\n2\n]", line: 3, fragment: "expected ',' or ']' in array"),
        .init(name: "array empty element", text: "a = [1,,2]", line: 1, fragment: "expected a value"),
        .init(
            name: "unterminated array", text: "a = [1,\n2,\n", line: 3,
            fragment: "unterminated array (opened on line 1)"),
        .init(name: "unterminated string", text: "a = 1\ns = \"abc\nb = 2", line: 2, fragment: "unterminated string"),
        .init(name: "unterminated literal", text: "s = 'abc", line: 1, fragment: "unterminated string"),
        .init(
            name: "unterminated multi-line", text: "s = \"\"\"\nabc\n", line: 3,
            fragment: "unterminated multi-line string (opened on line 1)"),
        .init(name: "bad escape", text: "\n\ns = \"a\\qb\"", line: 3, fragment: "invalid escape sequence \\q"),
        .init(name: "short unicode escape", text: "s = \"\\u12\"", line: 1, fragment: "needs 4 hex digits"),
        .init(name: "surrogate escape", text: "s = \"\\uD800\"", line: 1, fragment: "not a scalar value"),
        .init(name: "control char in string", text: "s = \"a\u{1}b\"", line: 1, fragment: "control character U+0001"),
        .init(
            name: "control char in comment", text: "a = 1 # x\u{7F}", line: 1,
            fragment: "control character not allowed in a comment"),
        .init(name: "bare carriage return", text: "a = 1\rb = 2", line: 1, fragment: "carriage return"),
        .init(name: "too many closing quotes", text: "s = \"\"\"a\"\"\"\"\"\"", line: 1, fragment: "too many quotes"),
        .init(
            name: "multi-line key", text: "\"\"\"k\"\"\" = 1", line: 1, fragment: "multi-line strings cannot be keys"),
        .init(name: "leading zero", text: "a = 012", line: 1, fragment: "leading zeros"),
        .init(name: "double underscore", text: "a = 1__2", line: 1, fragment: "underscore"),
        .init(name: "trailing underscore", text: "a = 12_", line: 1, fragment: "underscore"),
        .init(name: "integer overflow", text: "a = 9223372036854775808", line: 1, fragment: "out of range"),
        .init(name: "hex overflow", text: "a = 0x8000000000000000", line: 1, fragment: "out of range"),
        .init(name: "signed hex", text: "a = +0x1F", line: 1, fragment: "sign is not allowed"),
        .init(name: "bad octal digit", text: "a = 0o8", line: 1, fragment: "invalid integer"),
        .init(name: "float without fraction digits", text: "a = 1.", line: 1, fragment: "decimal point"),
        .init(name: "float without leading digits", text: "a = .5", line: 1, fragment: "expected a value"),
        .init(name: "exponent without digits", text: "a = 1e", line: 1, fragment: "exponent"),
        .init(name: "infinity spelled out", text: "a = infinity", line: 1, fragment: "invalid value infinity"),
        .init(name: "unquoted string", text: "\n[a]\nname = bob", line: 3, fragment: "expected a value, found 'b'"),
        .init(name: "capitalised boolean", text: "a = True", line: 1, fragment: "expected a value"),
        .init(name: "truthy suffix", text: "a = trueish", line: 1, fragment: "invalid value trueish"),
        .init(name: "two values on a line", text: "a = 1 b = 2", line: 1, fragment: "expected end of line after value"),
        .init(name: "text after header", text: "[a] x", line: 1, fragment: "expected end of line after table header"),
        .init(name: "unclosed header", text: "[a\nb = 1", line: 1, fragment: "expected ']' to close table header [a]"),
        .init(name: "unclosed array header", text: "[[a]\n", line: 1, fragment: "expected ']]'"),
        .init(name: "empty header", text: "[]", line: 1, fragment: "expected a key"),
        .init(name: "empty bare key", text: "= 1", line: 1, fragment: "expected a key"),
        .init(name: "trailing dot key", text: "a. = 1", line: 1, fragment: "expected a key"),
        .init(name: "invalid date", text: "d = 2023-02-30", line: 1, fragment: "no such day"),
        .init(name: "invalid month", text: "d = 2023-13-01", line: 1, fragment: "no such day"),
        .init(name: "invalid hour", text: "t = 24:00:00", line: 1, fragment: "out of range"),
        .init(name: "time without seconds", text: "t = 07:32", line: 1, fragment: "expected '"),
        .init(name: "bad offset", text: "d = 1979-05-27T07:32:00+25:00", line: 1, fragment: "offset out of range"),
        .init(name: "date with junk", text: "d = 1979-05-27x", line: 1, fragment: "invalid date-time"),
    ]

    @Test("invalid documents report the line", arguments: invalid)
    func rejectsInvalid(_ testCase: InvalidTOMLCase) {
        #expect {
            _ = try TOML.parse(testCase.text)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            #expect(error.line == testCase.line, "\(error)")
            #expect(error.description.contains(testCase.fragment), "\(error)")
            #expect(error.description.hasPrefix("line \(testCase.line): "))
            return true
        }
    }

    @Test func errorDescriptionAndColumn() {
        do {
            _ = try TOML.parse("a = 1\n\n  rate 10\n")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "line 3: expected '=' after key \"rate\", found '1'")
            #expect(error.line == 3)
            #expect(error.column == 8)
        }
        do {
            _ = try TOML.parse("é = 1")
            Issue.record("expected an error")
        } catch {
            #expect(error.column == 1)
        }
        do {
            _ = try TOML.parse("s = \"é\u{1}\"")
            Issue.record("expected an error")
        } catch {
            #expect(error.column == 7)
        }
    }

    @Test func keysKeepOrderAndLines() throws {
        let table = try TOML.parse(
            """
            zeta = 1
            alpha = 2

            # comment
            middle.inner = 3
            [section]
            key = "v"
            [[items]]
            n = 1
            [[items]]
            n = 2
            [x.y]
            [x]
            """)
        #expect(table.keys == ["zeta", "alpha", "middle", "section", "items", "x"])
        #expect(table.line(of: "zeta") == 1)
        #expect(table.line(of: "alpha") == 2)
        #expect(table.line(of: "middle") == 5)
        #expect(table.line(of: "section") == 6)
        #expect(table.line(of: "items") == 8)
        #expect(table.line(of: "x") == 13)
        #expect(table.line(of: "missing") == nil)
        #expect(table["section"]?.tableValue?.line(of: "key") == 7)
        let items = table["items"]?.arrayValue?.compactMap(\.tableValue) ?? []
        #expect(items.map { $0.line(of: "n") } == [9, 11])
        #expect(table.value(at: ["middle", "inner"]) == .integer(3))
    }

    @Test func offsetDateTimes() throws {
        let table = try TOML.parse(
            """
            a = 1979-05-27T07:32:00Z
            b = 1979-05-27T00:32:00-07:00
            c = 1979-05-27T00:32:00.999999+07:30
            d = 1979-05-27 07:32:00z
            e = 2024-02-29t23:59:59.123456789123+00:00
            """)
        let expected: [(String, Double)] = [
            ("a", 296_638_320), ("b", 296_638_320),
            ("c", 296_638_320 - 52_200 + 0.999999),
            ("d", 296_638_320), ("e", 1_709_251_199.123456789),
        ]
        for (key, seconds) in expected {
            let value = try #require(table[key]?.datetimeValue, "\(key)")
            #expect(value.kind == .offsetDateTime)
            let date = try #require(value.date)
            #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6, "\(key): \(date.timeIntervalSince1970)")
        }
        let b = try #require(table["b"]?.datetimeValue)
        #expect(b.text == "1979-05-27T00:32:00-07:00")
        #expect(b.offsetSeconds == -7 * 3600)
        #expect(b.hour == 0 && b.minute == 32 && b.second == 0)
        let e = try #require(table["e"]?.datetimeValue)
        #expect(e.nanosecond == 123_456_789)
        #expect(e.text == "2024-02-29t23:59:59.123456789123+00:00")
    }

    @Test func localDatesAndTimes() throws {
        let table = try TOML.parse(
            """
            ldt = 1979-05-27T07:32:00
            ld = 1979-05-27
            lt = 07:32:00.5
            arr = [1979-05-27, 07:32:00]
            spaced = 1979-05-27 # a date then a comment
            """)
        let ldt = try #require(table["ldt"]?.datetimeValue)
        #expect(ldt.kind == .localDateTime)
        #expect(ldt.date == nil)
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let utc = try #require(TimeZone(secondsFromGMT: 0))
        #expect(abs((ldt.date(in: paris)?.timeIntervalSince1970 ?? 0) - (296_638_320 - 7200)) < 1e-6)
        #expect(abs((ldt.date(in: utc)?.timeIntervalSince1970 ?? 0) - 296_638_320) < 1e-6)
        let ld = try #require(table["ld"]?.datetimeValue)
        #expect(ld.kind == .localDate)
        #expect(ld.text == "1979-05-27")
        #expect(ld.year == 1979 && ld.month == 5 && ld.day == 27 && ld.hour == nil)
        #expect(abs((ld.date(in: utc)?.timeIntervalSince1970 ?? 0) - 296_611_200) < 1e-6)
        let lt = try #require(table["lt"]?.datetimeValue)
        #expect(lt.kind == .localTime)
        #expect(lt.text == "07:32:00.5")
        #expect(lt.nanosecond == 500_000_000)
        #expect(lt.date(in: paris) == nil)
        #expect(table["arr"]?.arrayValue?.compactMap(\.datetimeValue).map(\.kind) == [.localDate, .localTime])
        #expect(table["spaced"]?.datetimeValue?.kind == .localDate)
        #expect(table["spaced"]?.typeName == "local date")
    }

    @Test func tableMutationKeepsOrder() {
        var table = TOMLTable()
        table["b"] = 1
        table["a"] = 2
        table["b"] = 3
        #expect(table.keys == ["b", "a"])
        #expect(table["b"] == 3)
        table["b"] = nil
        #expect(table.keys == ["a"])
        #expect(table.count == 1 && !table.isEmpty)
    }

    @Test func realisticQueueFile() throws {
        let text = """
            # Intake of citizen reports.
            [intake]
            server = "imaps://mail.example.org:993"
            mailbox = "INBOX"
            poll_interval_seconds = 60
            move_to = "Traités"

            [outbound]
            rate_per_second = 2.5
            connections = 2
            retry_backoff_seconds = [60, 300, 1_800, 7200]

            [[outbound.relays]]
            host = "smtp-a.example.org"
            port = 587

            [[outbound.relays]]
            host = "smtp-b.example.org"
            tls = { mode = "starttls", verify = true }
            """
        let table = try TOML.parse(text)
        #expect(table.value(at: ["intake", "move_to"]) == "Traités")
        #expect(table.value(at: ["outbound", "retry_backoff_seconds"]) == [60, 300, 1800, 7200])
        let relays = table.value(at: ["outbound", "relays"])?.arrayValue ?? []
        #expect(relays.count == 2)
        #expect(relays.last?.tableValue?["tls"] == ["mode": "starttls", "verify": true])
    }
}
