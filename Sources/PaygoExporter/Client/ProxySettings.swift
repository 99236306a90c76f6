import Foundation

/// An HTTP(S) proxy taken from the conventional environment variables.
public struct ProxySettings: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// `user:password` from the proxy URL, if any; a secret like the token.
    public var userInfo: (user: String, password: String)? {
        guard let user else { return nil }
        return (user, password ?? "")
    }

    private var user: String?
    private var password: String?

    public init(host: String, port: Int, user: String? = nil, password: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.host == rhs.host && lhs.port == rhs.port && lhs.user == rhs.user && lhs.password == rhs.password
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(host)
        hasher.combine(port)
    }
}

extension ProxySettings: CustomStringConvertible {
    /// Without the password.
    public var description: String { "\(host):\(port)" }
}
