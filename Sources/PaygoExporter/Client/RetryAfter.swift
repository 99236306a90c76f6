/// Reads a `Retry-After` header (RFC 9110 §10.2.3): delay seconds or an HTTP date.
///
/// The header is untrusted: a delay of any number of digits reads as that many seconds, up to
/// `+infinity`, and a date must be an exact IMF-fixdate (four-digit year), so no value can
/// overflow the calendar arithmetic. Callers cap what they wait.
enum RetryAfter {
    /// Seconds to wait from `now` (Unix seconds), never negative, possibly infinite; nil if the
    /// header is unusable.
    static func seconds(_ header: String?, now: Double) -> Double? {
        guard let text = header?.trimmingCharacters(in: " \t"), !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
            return Double(text)
        }
        return HTTPDate.parse(text).map { max(0, $0 - now) }
    }
}
