import Crypto

/// What the authenticator remembers of the credentials it has checked, by a SHA-256 of each.
///
/// Successes and failures are kept apart: only someone who knows a password can add a success,
/// while anyone can add failures by the thousand, so failures only ever push out older
/// failures and a scraper's good credentials stay known whatever attackers send.
struct CredentialCache {
    private(set) var successes: Set<SHA256.Digest> = []
    private var failures: Set<SHA256.Digest> = []
    /// The failures in the order they came, for pushing out the oldest.
    private var failureOrder: [SHA256.Digest] = []
    private var oldestFailure = 0
    /// Reached only by someone who knows passwords (bcrypt reads 72 bytes, so longer passwords
    /// sharing a prefix all verify); beyond it successes are checked, not stored.
    let successLimit: Int
    let failureLimit: Int

    init(successLimit: Int, failureLimit: Int) {
        precondition(successLimit > 0 && failureLimit > 0)
        self.successLimit = successLimit
        self.failureLimit = failureLimit
    }

    /// True or false when the credentials were checked before; nil when they were not.
    func outcome(of key: SHA256.Digest) -> Bool? {
        if successes.contains(key) { return true }
        return failures.contains(key) ? false : nil
    }

    var successCount: Int { successes.count }
    var failureCount: Int { failures.count }

    mutating func record(_ key: SHA256.Digest, verified: Bool) {
        if verified {
            if successes.count < successLimit { successes.insert(key) }
            return
        }
        guard !failures.contains(key) else { return }
        if failureOrder.count < failureLimit {
            failureOrder.append(key)
        } else {
            failures.remove(failureOrder[oldestFailure])
            failureOrder[oldestFailure] = key
            oldestFailure = (oldestFailure + 1) % failureLimit
        }
        failures.insert(key)
    }

    mutating func removeAll() {
        self = CredentialCache(successLimit: successLimit, failureLimit: failureLimit)
    }
}
