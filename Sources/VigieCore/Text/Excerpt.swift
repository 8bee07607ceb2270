/// A short, single-paragraph excerpt of a citizen's words for listings.
public enum Excerpt {
    /// Whitespace collapsed, quoted reply lines (`>`) dropped, cut at a word boundary with an ellipsis.
    public static func make(_ text: String, maxLength: Int) -> String {
        var words: [Substring] = []
        var length = 0
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix(">") {
            for w in line.split(whereSeparator: \.isWhitespace) {
                if length + w.count + 1 > maxLength {
                    return words.joined(separator: " ") + " …"
                }
                words.append(w)
                length += w.count + 1
            }
        }
        return words.joined(separator: " ")
    }
}
