import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Checks HTTP basic credentials against bcrypt hashes, as exporter-toolkit does.
///
/// Unknown users are checked against a dummy hash so a wrong user name costs the same time as
/// a wrong password. Outcomes are cached under a SHA-256 of the credentials, so a scrape storm
/// costs one bcrypt per distinct credential, not one per request.
public final class BasicAuthenticator: Sendable {
    private let users: [String: String]
    private let cache = Mutex<[SHA256.Digest: Bool]>([:])
    /// Enough for any sane set of scrapers; beyond it the cache starts over rather than grow.
    private static let cacheLimit = 1_024
    /// Checked for unknown users, at the configured hashes' highest cost so it takes as long.
    private let dummyHash: String

    public init(users: [String: String]) {
        self.users = users
        let cost = users.values.compactMap { Int(String($0.dropFirst(4).prefix(2))) }.max() ?? 10
        dummyHash = Bcrypt.hash("not a real password", cost: UInt8(clamping: cost))
    }

    /// `$2a$`, `$2b$` and `$2y$` (htpasswd's spelling) with a two-digit cost.
    static func isBcryptHash(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$"),
              bytes[6] == UInt8(ascii: "$"), let cost = Int(String(hash.dropFirst(4).prefix(2))), (4...31).contains(cost)
        else { return false }
        return true
    }

    /// True when `authorization` (the header's value) names a configured user with the right password.
    public func isAuthorized(_ authorization: String?) -> Bool {
        guard let credentials = Credentials(authorization, users: users) else { return false }
        if let known = cache.withLock({ $0[credentials.cacheKey] }) { return known }
        // htpasswd writes $2y$, which is $2b$ under another name.
        let comparable = (credentials.hash ?? dummyHash).replacingOccurrences(of: "$2y$", with: "$2b$", options: .anchored)
        let verified = Bcrypt.verify(credentials.password, hash: comparable) && credentials.hash != nil
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll() }
            cache[credentials.cacheKey] = verified
        }
        return verified
    }

    /// What `isAuthorized` answered for the same credentials before, without running bcrypt;
    /// nil when they have not been checked yet (or the cache started over since).
    func knownOutcome(_ authorization: String?) -> Bool? {
        guard let credentials = Credentials(authorization, users: users) else { return false }
        return cache.withLock { $0[credentials.cacheKey] }
    }

    /// The user and password of a `Basic` authorization header, and the hash configured for the user.
    private struct Credentials {
        let password: String
        let hash: String?
        let cacheKey: SHA256.Digest

        init?(_ authorization: String?, users: [String: String]) {
            guard let authorization, authorization.count < 4_096,
                  authorization.lowercased().hasPrefix("basic "),
                  let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
                  let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
            else { return nil }
            let user = String(text[..<colon])
            password = String(text[text.index(after: colon)...])
            hash = users[user]
            cacheKey = SHA256.hash(data: Data("\(user)\u{0}\(password)\u{0}\(hash ?? "")".utf8))
        }
    }
}
