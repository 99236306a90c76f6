/// Escapes text for HTML element content and quoted attribute values.
enum HTMLEscaping {
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// `escape` of at most `limit` characters of `text`, ending in an ellipsis when cut: names
    /// and messages come from the API, and one long one must not make the page large.
    static func escape(_ text: String, limit: Int) -> String {
        // The byte count is at hand; counting characters would read the whole text.
        guard text.utf8.count > limit, text.count > limit else { return escape(text) }
        return escape(String(text.prefix(max(0, limit - 1)))) + "&hellip;"
    }
}
