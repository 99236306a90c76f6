import Foundation

/// How backfill proves itself to a remote-write receiver. The secrets come from files only
/// (a flag's value shows in `ps`), and no description of this type holds them.
public enum RemoteWriteCredentials: Sendable, Hashable, CustomStringConvertible {
    case none
    case bearer(token: String)
    case basic(username: String, password: String)

    /// The `Authorization` header's value, if any.
    var authorization: String? {
        switch self {
        case .none: nil
        case .bearer(let token): "Bearer \(token)"
        case .basic(let username, let password): "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())"
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .bearer: "bearer token"
        case .basic: "basic auth"
        }
    }
}
