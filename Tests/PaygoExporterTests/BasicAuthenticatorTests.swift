import Foundation
import PrometheusExposition
import Synchronization
import Testing

@testable import PaygoExporter

/// The authenticator's bounds, checked through a verifier that counts (and can hold) the bcrypt
/// checks instead of timing them.
@Suite struct BasicAuthenticatorTests {
    static let users = ["alice": WebConfigurationTests.aliceHash]

    private func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    /// Stands in for bcrypt: counts calls, records the threads they ran on and how many ran at
    /// once, and holds every call while `hold` is set.
    final class Verifier: Sendable {
        private struct State {
            var calls = 0
            var running = 0
            var mostAtOnce = 0
            var threads: Set<pthread_t> = []
            var threadNames: Set<String> = []
            var held = false
        }

        private let state = Mutex(State())
        let goodPassword: String

        init(goodPassword: String = WebConfigurationTests.alicePassword) {
            self.goodPassword = goodPassword
        }

        var calls: Int { state.withLock { $0.calls } }
        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        var threads: Set<pthread_t> { state.withLock { $0.threads } }
        var threadNames: Set<String> { state.withLock { $0.threadNames } }
        var running: Int { state.withLock { $0.running } }

        func hold(_ held: Bool) { state.withLock { $0.held = held } }

        func verify(_ password: String, _ hash: String) -> Bool {
            let thread = pthread_self()
            let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
            state.withLock { state in
                state.calls += 1
                state.running += 1
                state.mostAtOnce = max(state.mostAtOnce, state.running)
                state.threads.insert(thread)
                state.threadNames.insert(name.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            while state.withLock({ $0.held }) { usleep(1_000) }
            state.withLock { $0.running -= 1 }
            // The authenticator passes htpasswd's $2y$ as $2b$; the dummy hash for unknown users never matches.
            return password == goodPassword && hash == WebConfigurationTests.aliceHash.replacingOccurrences(of: "$2y$", with: "$2b$")
        }
    }

    private func authenticator(
        _ verifier: Verifier, _ configure: (inout BasicAuthenticator.Limits) -> Void = { _ in }
    ) -> BasicAuthenticator {
        var limits = BasicAuthenticator.Limits()
        configure(&limits)
        return BasicAuthenticator(users: Self.users, limits: limits, verifier: { verifier.verify($0, $1) })
    }

    /// Polls a condition that another thread makes true; fails after a minute (reached only when
    /// it never holds).
    private func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestFailure("condition not met within 60 s") }
            try await Task.sleep(for: .milliseconds(1))
        }
    }

    @Test func exactlyOneVerificationPerDistinctCredential() async {
        let verifier = Verifier()
        let authenticator = authenticator(verifier)
        for _ in 0..<20 {
            #expect(await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized)
        }
        #expect(verifier.calls == 1, "the right password, 20 times")
        for _ in 0..<20 {
            #expect(await authenticator.authorize(basic("alice", "wrong")) == .denied)
        }
        #expect(verifier.calls == 2, "the same wrong password, 20 times")
        for index in 0..<5 {
            #expect(await authenticator.authorize(basic("alice", "guess \(index)")) == .denied)
            #expect(await authenticator.authorize(basic("mallory", "guess \(index)")) == .denied)
        }
        #expect(verifier.calls == 12, "ten distinct wrong credentials")
        // Sent at once, the same new credential still costs one check: later ones join the first.
        verifier.hold(true)
        let outcomes = await withTaskGroup(of: BasicAuthenticator.Outcome.self) { group in
            for _ in 0..<10 {
                group.addTask { await authenticator.authorize(self.basic("bob", "new")) }
            }
            try? await waitUntil { verifier.running == 1 }
            verifier.hold(false)
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: .denied, count: 10))
        #expect(verifier.calls == 13)
    }

    @Test func checksRunOneAtATimeOnOneDedicatedThread() async {
        let verifier = Verifier()
        let authenticator = authenticator(verifier)
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask { _ = await authenticator.authorize(self.basic("alice", "guess \(index)")) }
            }
        }
        #expect(verifier.calls == 4)
        #expect(verifier.mostAtOnce == 1)
        #expect(verifier.threads.count == 1)
        // NIOThreadPool's thread, not the Swift concurrency pool's or an event loop's.
        #expect(verifier.threadNames.allSatisfy { $0.hasPrefix("TP-") }, "\(verifier.threadNames)")
    }

    @Test func beyondThePendingLimitNewCredentialsAreBusyWithoutBcrypt() async throws {
        let verifier = Verifier()
        let authenticator = authenticator(verifier) { $0.pendingChecks = 2 }
        #expect(await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized)
        verifier.hold(true)
        let first = Task { await authenticator.authorize(basic("alice", "one")) }
        let second = Task { await authenticator.authorize(basic("alice", "two")) }
        // One running (held), one waiting for the thread.
        try await waitUntil { verifier.running == 1 && authenticator.pendingChecks == 2 }
        #expect(await authenticator.authorize(basic("alice", "three")) == .busy)
        #expect(await authenticator.authorize(basic("mallory", "four")) == .busy)
        #expect(
            await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized,
            "known good ones are never busy")
        #expect(await authenticator.authorize(nil) == .denied, "nothing to check is never busy")
        #expect(verifier.calls == 2, "busy answers ran no bcrypt")
        verifier.hold(false)
        #expect(await first.value == .denied)
        #expect(await second.value == .denied)
        #expect(verifier.calls == 3)
        #expect(await authenticator.authorize(basic("alice", "three")) == .denied, "room again")
        #expect(verifier.calls == 4)
        let counts = authenticator.metricState.counts
        #expect(counts.busy == 2)
        #expect(counts.ok == 1)
        #expect(counts.wrong == 3)
        #expect(counts.missing == 1)
    }

    @Test func wrongCredentialsNeverPushOutGoodOnes() async {
        let verifier = Verifier()
        let authenticator = authenticator(verifier) { $0.cachedFailures = 8 }
        #expect(await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized)
        for index in 0..<100 {
            #expect(await authenticator.authorize(basic("alice", "guess \(index)")) == .denied)
        }
        #expect(verifier.calls == 101)
        let state = authenticator.metricState
        #expect(state.failures == 8, "the failure cache is bounded")
        #expect(state.successes == 1)
        #expect(authenticator.knownOutcome(basic("alice", WebConfigurationTests.alicePassword)) == true, "still answered on the event loop")
        #expect(await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized)
        #expect(verifier.calls == 101, "the good credential cost nothing again")
        // The 8 most recent failures are remembered, older ones were pushed out.
        #expect(authenticator.knownOutcome(basic("alice", "guess 99")) == false)
        #expect(authenticator.knownOutcome(basic("alice", "guess 91")) == nil)
        #expect(await authenticator.authorize(basic("alice", "guess 99")) == .denied)
        #expect(verifier.calls == 101)
        #expect(authenticator.metricState.counts.cachedWrong == 1)
    }

    @Test func updatingUsersDropsRememberedOutcomesOnlyWhenTheyChanged() async {
        let verifier = Verifier()
        let authenticator = authenticator(verifier)
        let good = basic("alice", WebConfigurationTests.alicePassword)
        #expect(await authenticator.authorize(good) == .authorized)
        authenticator.update(users: Self.users)
        #expect(authenticator.knownOutcome(good) == true, "same users: a reload for a certificate costs no bcrypt")
        authenticator.update(users: [:])
        #expect(!authenticator.isEnabled)
        #expect(await authenticator.authorize(nil) == .authorized, "no users: basic auth is off")
        #expect(authenticator.knownOutcome(nil) == true)
        authenticator.update(users: Self.users)
        #expect(authenticator.knownOutcome(good) == nil, "changed users: checked again")
        #expect(await authenticator.authorize(nil) == .denied)
        #expect(await authenticator.authorize(good) == .authorized)
        #expect(verifier.calls == 2)
    }

    @Test func countsAreShownAtMostOncePerSecond() async {
        let clock = TestClock()
        let authenticator = BasicAuthenticator(users: Self.users, verifier: Verifier().verify, clock: clock)
        func missing() -> Double? {
            authenticator.families().first { $0.descriptor == MetricCatalog.webAuthChecks }?
                .samples.first { $0.labels == [Label("result", "missing")] }?.value
        }
        let first = authenticator.generation
        #expect(missing() == 0)
        #expect(await authenticator.authorize(nil) == .denied)
        #expect(authenticator.generation == first, "changed, but the last counts were shown just now")
        #expect(missing() == 0)
        clock.advance(by: .milliseconds(999))
        #expect(authenticator.generation == first)
        clock.advance(by: .milliseconds(1))
        let second = authenticator.generation
        #expect(second != first)
        #expect(missing() == 1)
        clock.advance(by: .seconds(59))
        #expect(authenticator.generation == second, "nothing changed since")
        #expect(await authenticator.authorize(nil) == .denied)
        #expect(authenticator.generation != second, "a second and more since the last counts were shown")
        #expect(missing() == 2)
    }

    @Test func realBcryptWithHtpasswdHash() async {
        let authenticator = BasicAuthenticator(users: Self.users)
        #expect(await authenticator.authorize(basic("alice", WebConfigurationTests.alicePassword)) == .authorized)
        #expect(await authenticator.authorize(basic("alice", "s3cret pas")) == .denied)
        #expect(await authenticator.authorize(basic("bob", WebConfigurationTests.alicePassword)) == .denied)
        let counts = authenticator.metricState.counts
        #expect(counts.ok == 1 && counts.wrong == 2)
        #expect(counts.bcryptSeconds > 0)
    }

    @Test func costsOutsideTheRangeAreNotHashesTheExporterAccepts() {
        func hash(cost: String) -> String { "$2y$" + cost + String(WebConfigurationTests.aliceHash.dropFirst(6)) }
        #expect(BasicAuthenticator.bcryptCost(of: hash(cost: "31")) == 31)
        #expect(BasicAuthenticator.bcryptCost(of: hash(cost: "04")) == 4)
        #expect(BasicAuthenticator.bcryptCost(of: hash(cost: "1x")) == nil)
        #expect(BasicAuthenticator.allowedCosts == 4...14)
    }
}
