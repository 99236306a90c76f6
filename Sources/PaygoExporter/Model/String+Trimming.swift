/// Header parsing trims only what HTTP allows around tokens, not every Unicode space.
extension Substring {
    /// Drops the characters of `set` (ASCII, e.g. " \t") from both ends. Works on UTF-8
    /// bytes: it runs for every scrape's `Accept-Encoding`.
    func trimmingCharacters(in set: String) -> String {
        let trimmed = set.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, trimmed.contains(utf8[start]) { start = utf8.index(after: start) }
        while end > start, trimmed.contains(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(self[start..<end])
    }
}

extension String {
    /// See `Substring.trimmingCharacters(in:)`.
    func trimmingCharacters(in set: String) -> String {
        self[...].trimmingCharacters(in: set)
    }
}
