import Foundation

/// Turns a subscribers CSV (`email,name[,language]`) into valid rows and per-line rejections.
public enum SubscriberImport {
    /// A row left out, with its 1-based line and the reason.
    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// The outcome of reading a file, before anything is stored.
    public struct Result: Sendable, Equatable {
        public var rows: [SubscriberRow] = []
        public var rejections: [Rejection] = []
        /// Rows whose address already appeared earlier in the file (merged into the first).
        public var duplicates = 0
    }

    /// Fails (with a one-line reason) only when the file as a whole is unusable: no header, wrong columns.
    /// The separator (`,`, `;` or tab) is the one the header line uses.
    public static func read(_ text: String) throws -> Result {
        let separator = CSVReader.detectSeparator(text)
        let (records, problems) = CSVReader.read(text, separator: separator)
        guard let header = records.first else {
            throw ConfigError("the file is empty; expected a header line: email,name[,language]")
        }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let emailCol = columns.firstIndex(of: "email") else {
            throw ConfigError(
                "line \(header.line): the header must name an \"email\" column (email,name[,language], "
                    + "separated by commas, semicolons or tabs); found: "
                    + SafeText.quoted(header.fields.joined(separator: String(UnicodeScalar(separator)))))
        }
        let nameCol = columns.firstIndex(of: "name")
        let languageCol = columns.firstIndex(of: "language")
        let unknown = columns.filter { !["email", "name", "language"].contains($0) }
        guard unknown.isEmpty else {
            throw ConfigError(
                "line \(header.line): unknown column(s) "
                    + "\(unknown.map(SafeText.quoted).joined(separator: ", ")); "
                    + "allowed: email, name, language")
        }

        var result = Result()
        result.rejections = problems.map { Rejection(line: $0.line, reason: $0.message) }
        var index: [String: Int] = [:]
        for r in records.dropFirst() {
            guard r.fields.count == columns.count else {
                result.rejections.append(
                    Rejection(
                        line: r.line,
                        reason: "\(r.fields.count) fields where the header "
                            + "has \(columns.count); quote fields that contain the separator"))
                continue
            }
            let raw = unprefixed(r.fields[emailCol]).trimmingCharacters(in: .whitespaces)
            guard !raw.isEmpty else {
                result.rejections.append(Rejection(line: r.line, reason: "empty email"))
                continue
            }
            guard let email = EmailAddress.validate(raw) else {
                result.rejections.append(Rejection(line: r.line, reason: "invalid address \(SafeText.quoted(raw))"))
                continue
            }
            let name = nameCol.map { clean(r.fields[$0]) } ?? nil
            var language = languageCol.map { clean(r.fields[$0]) } ?? nil
            if let l = language {
                let ok = l.count >= 2 && l.count <= 8 && l.allSatisfy { $0.isASCII && ($0.isLetter || $0 == "-") }
                guard ok else {
                    result.rejections.append(
                        Rejection(
                            line: r.line,
                            reason: "invalid language \(SafeText.quoted(l)) "
                                + "(expected a code such as fr, en, de)"))
                    continue
                }
                language = l.lowercased()
            }
            let key = email.lowercased()
            if let at = index[key] {
                // Merged: later non-empty values complete the first occurrence.
                result.rows[at].name = result.rows[at].name ?? name
                result.rows[at].language = result.rows[at].language ?? language
                result.duplicates += 1
                continue
            }
            index[key] = result.rows.count
            result.rows.append(SubscriberRow(email: email, name: name, language: language))
        }
        result.rejections.sort { $0.line < $1.line }
        return result
    }

    /// One line of text: line breaks and tabs become a space (a quoted "Jean⏎Dupont" is "Jean Dupont"), other
    /// controls and bidi overrides are dropped (a name never carries them into a header), runs of spaces collapse;
    /// nil when empty.
    static func clean(_ s: String) -> String? {
        var out = String.UnicodeScalarView()
        for c in unprefixed(s).unicodeScalars {
            let space = c == "\n" || c == "\r" || c == "\t" || c == "\u{2028}" || c == "\u{2029}" || c == " "
            if space {
                if let last = out.last, last != " " { out.append(" ") }
            } else if !SafeText.isUnsafe(c) {
                out.append(c)
            }
        }
        let t = String(out).trimmingCharacters(in: .whitespaces)
        return t.isEmpty ? nil : t
    }

    /// A field as `subscribers export` wrote it: the `'` it puts before a leading `=`, `+`, `-` or `@` is taken off.
    static func unprefixed(_ s: String) -> String {
        guard s.hasPrefix("'"), let second = s.dropFirst().first, "=+-@".contains(second) else { return s }
        return String(s.dropFirst())
    }
}
