/// How requests authenticate. Both forms are secrets: the type never prints them.
public enum CloudflareCredentials: Sendable, CustomStringConvertible {
    /// `Authorization: Bearer <token>`; the token needs the "Billing Read" permission.
    case apiToken(String)
    /// Legacy `X-Auth-Email` + `X-Auth-Key` (the global API key).
    case globalKey(email: String, key: String)

    /// The headers a request carries.
    public var headers: [(name: String, value: String)] {
        switch self {
        case .apiToken(let token):
            [("Authorization", "Bearer \(token)")]
        case .globalKey(let email, let key):
            [("X-Auth-Email", email), ("X-Auth-Key", key)]
        }
    }

    /// Redacted on purpose, so interpolating credentials into a log line is harmless.
    public var description: String {
        switch self {
        case .apiToken: "API token (redacted)"
        case .globalKey: "global API key (redacted)"
        }
    }
}

extension CloudflareCredentials: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }
    // Keeps dump() and Mirror-based printers from showing the associated values.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
