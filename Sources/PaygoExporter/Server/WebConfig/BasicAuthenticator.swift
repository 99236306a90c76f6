import Crypto
import Foundation
import HummingbirdBcrypt
import Synchronization

/// Checks HTTP basic credentials against bcrypt hashes, as exporter-toolkit does, with the cost
/// of doing so bounded whatever scrapers send.
///
/// bcrypt runs on one dedicated thread (`BcryptThread`), one check at a time, for at most
/// `Limits.pendingChecks` new credentials at once; a new credential beyond that is answered
/// `.busy` (503) without running bcrypt. Outcomes are remembered under a SHA-256 of the
/// credentials (`CredentialCache`), so a scrape storm costs one bcrypt per distinct credential,
/// and failures can never push out a success. Unknown users are checked against a dummy hash of
/// the highest configured cost, so a wrong user name costs as long as a wrong password.
///
/// One authenticator serves the whole run: a reload swaps its users (`update(users:)`).
/// With no users, every request is authorized (basic auth is off).
public final class BasicAuthenticator: Sendable {
    /// How much checking and remembering one authenticator does at most.
    public struct Limits: Sendable {
        /// New credentials being checked or waiting for the bcrypt thread; the next one gets 503.
        public var pendingChecks = 4
        /// Good credentials remembered; they can only be added by someone who knows a password.
        public var cachedSuccesses = 256
        /// Wrong credentials remembered, oldest pushed out first.
        public var cachedFailures = 1_024

        /// The limits above.
        public init() {}
    }

    /// What a request's credentials come to.
    public enum Outcome: Sendable, Equatable {
        case authorized
        /// Missing, malformed or wrong: 401.
        case denied
        /// New credentials while the bcrypt thread has `Limits.pendingChecks` already: 503, try later.
        case busy
    }

    /// The bcrypt costs `basic_auth_users` may use. A check takes 2^cost rounds: tens of
    /// milliseconds at 10 (htpasswd's usual choice), sixteen times that at 14, and at 31 two
    /// million times that, days.
    public static let allowedCosts: ClosedRange<Int> = 4...14

    /// Checks by what they came to, for `cloudflare_paygo_web_auth_checks_total`.
    struct Counts: Equatable {
        /// bcrypt ran and accepted.
        var ok: UInt64 = 0
        /// bcrypt ran and refused (or the user is unknown).
        var wrong: UInt64 = 0
        /// Refused from the cache without bcrypt.
        var cachedWrong: UInt64 = 0
        /// Refused with 503 without bcrypt: the queue was full.
        var busy: UInt64 = 0
        /// No usable `Basic` credentials.
        var missing: UInt64 = 0
        /// Wall time bcrypt ran.
        var bcryptSeconds: Double = 0
    }

    private struct State {
        var users: [String: String]
        var dummyHash: String
        var cache: CredentialCache
        /// The check under way for each credential, shared by every request that sends it.
        var inFlight: [SHA256.Digest: Task<Bool, Never>] = [:]
        var counts = Counts()
        var generation: UInt64 = 0
        /// What the metrics show: `metricsInterval` old at most.
        var published: Published?

        /// Changes the counts and the generation together, so the exposition follows every change.
        mutating func count(_ change: (inout Counts) -> Void) {
            change(&counts)
            generation += 1
        }
    }

    /// The counts as the exposition shows them, and when they were taken.
    struct Published {
        let generation: UInt64
        let at: ContinuousClock.Instant
        let counts: Counts
        let successes: Int
        let failures: Int
    }

    /// The counts change with every refused request; each change shown makes the next scrape
    /// rebuild the body, so they are shown at most this often, like the process metrics.
    static let metricsInterval: Duration = .seconds(1)

    private let state: Mutex<State>
    private let limits: Limits
    private let clock: any ExporterClock
    private let verifier: @Sendable (_ password: String, _ hash: String) -> Bool
    private let thread = BcryptThread()

    /// - Parameters:
    ///   - verifier: checks a password against a hash; tests count calls through it.
    ///   - clock: the clock the metrics are published on (`metricsInterval`).
    public init(
        users: [String: String], limits: Limits = Limits(),
        verifier: @escaping @Sendable (_ password: String, _ hash: String) -> Bool = { Bcrypt.verify($0, hash: $1) },
        clock: any ExporterClock = SystemClock()
    ) {
        precondition(limits.pendingChecks > 0)
        self.limits = limits
        self.verifier = verifier
        self.clock = clock
        state = Mutex(
            State(
                users: users, dummyHash: Self.dummyHash(for: users),
                cache: CredentialCache(successLimit: limits.cachedSuccesses, failureLimit: limits.cachedFailures)))
    }

    /// Whether any user is configured; without one, basic auth is off.
    public var isEnabled: Bool {
        state.withLock { !$0.users.isEmpty }
    }

    /// Puts new users in force. Remembered outcomes are dropped only when the users changed, so a
    /// reload for a rotated certificate costs the scrapers no new bcrypt.
    public func update(users: [String: String]) {
        state.withLock { state in
            guard state.users != users else { return }
            state.users = users
            state.dummyHash = Self.dummyHash(for: users)
            state.cache.removeAll()
            state.generation += 1
        }
    }

    /// Decides on `authorization` (the header's value). Known credentials are answered at once;
    /// new ones wait for the bcrypt thread, or get `.busy` when too many already do.
    public func authorize(_ authorization: String?) async -> Outcome {
        enum Step {
            case done(Outcome)
            case check(Task<Bool, Never>, joined: Bool)
        }
        // Decoded and hashed outside the lock, which every scrape takes.
        let users = state.withLock { $0.users }
        guard !users.isEmpty else { return .authorized }
        let credentials = Credentials(authorization, users: users)
        let step: Step = state.withLock { state in
            guard let credentials else {
                state.count { $0.missing += 1 }
                return .done(.denied)
            }
            switch state.cache.outcome(of: credentials.cacheKey) {
            case true?:
                // Not counted: a count would change the exposition, and this is every scrape.
                return .done(.authorized)
            case false?:
                state.count { $0.cachedWrong += 1 }
                return .done(.denied)
            case nil:
                break
            }
            if let running = state.inFlight[credentials.cacheKey] {
                return .check(running, joined: true)
            }
            guard state.inFlight.count < limits.pendingChecks else {
                state.count { $0.busy += 1 }
                return .done(.busy)
            }
            let hash = credentials.hash ?? state.dummyHash
            let task = Task { await self.check(credentials, against: hash) }
            state.inFlight[credentials.cacheKey] = task
            return .check(task, joined: false)
        }
        switch step {
        case .done(let outcome):
            return outcome
        case .check(let task, let joined):
            let verified = await task.value
            if joined, !verified {
                state.withLock { $0.count { $0.cachedWrong += 1 } }
            }
            return verified ? .authorized : .denied
        }
    }

    /// What `authorize` answered for the same credentials before, without running bcrypt: true
    /// for remembered good ones (and for everyone while no user is configured), false for
    /// remembered wrong or unusable ones, nil when they have not been checked yet.
    func knownOutcome(_ authorization: String?) -> Bool? {
        let users = state.withLock { $0.users }
        guard !users.isEmpty else { return true }
        guard let credentials = Credentials(authorization, users: users) else { return false }
        return state.withLock { $0.cache.outcome(of: credentials.cacheKey) }
    }

    private func check(_ credentials: Credentials, against hash: String) async -> Bool {
        let password = credentials.password
        let verifier = verifier
        // htpasswd writes $2y$, which is $2b$ under another name.
        let comparable = hash.replacingOccurrences(of: "$2y$", with: "$2b$", options: .anchored)
        // Timed on the thread: the wait for it is not bcrypt's time.
        let result = await thread.run {
            let start = ContinuousClock.now
            let verified = verifier(password, comparable)
            return (verified: verified, elapsed: ContinuousClock.now - start)
        }
        let verified = result?.verified == true && credentials.hash != nil
        state.withLock { state in
            state.inFlight[credentials.cacheKey] = nil
            // nil: the thread stopped (shutdown), so nothing was learnt.
            if result != nil { state.cache.record(credentials.cacheKey, verified: verified) }
            state.count { counts in
                if verified { counts.ok += 1 } else { counts.wrong += 1 }
                counts.bcryptSeconds += result?.elapsed.seconds ?? 0
            }
        }
        return verified
    }

    /// `$2a$`, `$2b$` and `$2y$` (htpasswd's spelling) with a two-digit cost: the cost, or nil
    /// when `hash` is not of that form.
    static func bcryptCost(of hash: String) -> Int? {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$"),
            bytes[6] == UInt8(ascii: "$"), bytes[4...5].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int(bytes[4] - UInt8(ascii: "0")) * 10 + Int(bytes[5] - UInt8(ascii: "0"))
    }

    /// Whether `hash` is a bcrypt hash of a cost bcrypt accepts at all (4 to 31).
    static func isBcryptHash(_ hash: String) -> Bool {
        bcryptCost(of: hash).map { (4...31).contains($0) } ?? false
    }

    /// A hash no password is known for, at the users' highest cost, so that checking an unknown
    /// user takes as long as checking a known one. Any well-formed salt and digest cost the same.
    private static func dummyHash(for users: [String: String]) -> String {
        let cost = min(users.values.compactMap(bcryptCost(of:)).max() ?? 10, allowedCosts.upperBound)
        return "$2b$" + (cost < 10 ? "0\(cost)" : "\(cost)") + "$DummySaltForUnknownUserNeverMatchesAnyPasswordXz9q.0/"
    }

    /// New credentials being checked or waiting for the bcrypt thread.
    var pendingChecks: Int {
        state.withLock { $0.inFlight.count }
    }

    /// The counts to show now: taken afresh when they changed and the last were taken
    /// `metricsInterval` ago or more.
    var publishedMetrics: Published {
        let now = clock.now
        return state.withLock { state in
            if let published = state.published,
                published.generation == state.generation || now - published.at < Self.metricsInterval
            {
                return published
            }
            let published = Published(
                generation: state.generation, at: now, counts: state.counts,
                successes: state.cache.successCount, failures: state.cache.failureCount)
            state.published = published
            return published
        }
    }

    /// The counts and the number of remembered credentials as they are, with a generation that changes with them.
    var metricState: (generation: UInt64, counts: Counts, successes: Int, failures: Int) {
        state.withLock { ($0.generation, $0.counts, $0.cache.successCount, $0.cache.failureCount) }
    }

    /// The user and password of a `Basic` authorization header, and the hash configured for the user.
    private struct Credentials: Sendable {
        let password: String
        let hash: String?
        let cacheKey: SHA256.Digest

        init?(_ authorization: String?, users: [String: String]) {
            guard let authorization, authorization.utf8.count < 4_096,
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
