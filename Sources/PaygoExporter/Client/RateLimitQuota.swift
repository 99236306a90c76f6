import NIOHTTP1

/// The token's quota as an answer's headers report it: what everything that uses the token
/// has left, not just this exporter. Two generations are read (see ../shared/api): the IETF
/// draft's `Ratelimit: "default";r=50;t=30` with `Ratelimit-Policy: "burst";q=100;w=60`, and
/// the older `X-RateLimit-Remaining`, `X-RateLimit-Limit` and `X-RateLimit-Reset`.
///
/// Every value is untrusted: numbers are digits only, saturated at `maxNumber`; a list is read
/// up to `maxItems` items; anything else is ignored rather than guessed at.
public struct RateLimitQuota: Sendable, Hashable {
    /// Calls the token has left in the current window.
    public var remaining: Int
    /// Seconds until the window resets (the draft's `t`, or the older header's date); nil when
    /// not said.
    public var resetSeconds: Double?
    /// Calls per window (`q`, `X-RateLimit-Limit`); nil when not said.
    public var limit: Int?
    /// The window in seconds (`w`); nil when not said.
    public var windowSeconds: Double?

    public init(remaining: Int, resetSeconds: Double? = nil, limit: Int? = nil, windowSeconds: Double? = nil) {
        self.remaining = remaining
        self.resetSeconds = resetSeconds
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    static let maxNumber = 1_000_000_000
    static let maxItems = 16

    /// The quota `headers` report, or nil when they report none. `now` is Unix seconds, for a
    /// reset given as a date.
    public static func parse(_ headers: HTTPHeaders, now: Double) -> RateLimitQuota? {
        if let draft = headers.first(name: "Ratelimit") {
            let items = parameterLists(draft).compactMap { item in item["r"].map { (remaining: $0, reset: item["t"]) } }
            if let tightest = items.min(by: { $0.remaining < $1.remaining }) {
                let policy = headers.first(name: "Ratelimit-Policy").map(parameterLists)?.first { $0["q"] != nil }
                return RateLimitQuota(
                    remaining: tightest.remaining, resetSeconds: tightest.reset.map(Double.init), limit: policy?["q"],
                    windowSeconds: policy?["w"].map(Double.init))
            }
        }
        guard let remaining = headers.first(name: "X-RateLimit-Remaining").flatMap(number) else { return nil }
        let reset: Double? = headers.first(name: "X-RateLimit-Reset").flatMap { value in
            if let seconds = number(value) { return Double(seconds) }
            return HTTPDate.parse(value).map { max(0, $0 - now) }
        }
        return RateLimitQuota(remaining: remaining, resetSeconds: reset, limit: headers.first(name: "X-RateLimit-Limit").flatMap(number))
    }

    /// The items of a structured-field list, each its integer parameters: `"default";r=50;t=30,
    /// "other";r=9` gives `[["r": 50, "t": 30], ["r": 9]]`. At most `maxItems` items.
    private static func parameterLists(_ value: String) -> [[String: Int]] {
        value.split(separator: ",", maxSplits: maxItems, omittingEmptySubsequences: true).prefix(maxItems).map { item in
            var parameters: [String: Int] = [:]
            for parameter in item.split(separator: ";").dropFirst().prefix(maxItems) {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, let value = number(pair[1]) else { continue }
                parameters[pair[0].trimmingCharacters(in: " \t")] = value
            }
            return parameters
        }
    }

    /// A non-negative integer of digits only (spaces around allowed), saturated at `maxNumber`.
    private static func number<S: StringProtocol>(_ text: S) -> Int? {
        let digits = Substring(text).trimmingCharacters(in: " \t").utf8
        guard !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        var value = 0
        for digit in digits {
            value = min(maxNumber, value * 10 + Int(digit - 0x30))
        }
        return value
    }
}
