import Foundation
import Logging
import PrometheusExposition
import Synchronization
import Testing

@testable import PaygoExporter

/// `--cloudflare.discover-accounts`: paged listing, discovery while running, names, filters and
/// a token that may not list, over loopback HTTP against the stand-in.
@Suite struct AccountDiscoveryTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A page of `GET /accounts`: `ids` with their names, and `result_info` when `totalPages` is set.
    static func page(_ ids: [String], names: [String: String] = [:], page: Int, totalPages: Int?) -> StandInCloudflareAPI.Reply {
        let accounts = ids.map { id -> [String: Any] in
            ["id": id, "name": names[id] ?? "Account \(id.suffix(4))", "type": "standard", "settings": ["x": 1]]
        }
        var envelope: [String: Any] = ["success": true, "errors": [Any](), "messages": [Any](), "result": accounts]
        if let totalPages {
            envelope["result_info"] = ["page": page, "per_page": 50, "count": ids.count, "total_count": 0, "total_pages": totalPages]
        }
        return .json(AnswerBuilder.json(envelope))
    }

    static func ids(_ range: Range<Int>) -> [String] { range.map { String(format: "%032x", $0 + 1) } }

    func endpoint(_ baseURL: String, maxPages: Int = AccountsEndpoint.defaultMaxPages) -> (AccountsEndpoint, UsageSourceParts) {
        let configuration = TestAccounts.configuration(baseURL: baseURL, accounts: [1])
        let parts = UsageSourceParts(mode: configuration.mode, accounts: [], logger: Self.quiet)
        return (AccountsEndpoint(api: parts.api!, maxPages: maxPages, logger: Self.quiet), parts)
    }

    @Test func pagingStopsOnTotalPages() async throws {
        let api = StandInCloudflareAPI()
        let all = Self.ids(0..<120)
        api.answer(path: "/accounts") { query in
            let page = Int(query["page"] ?? "") ?? 1
            return Self.page(Array(all.dropFirst((page - 1) * 50).prefix(50)), page: page, totalPages: 3)
        }
        try await api.serve { baseURL in
            let (endpoint, parts) = endpoint(baseURL)
            try await parts.run { _ in
                let listed = try await endpoint.listAccounts().get()
                #expect(listed.map(\.id.rawValue) == all)
                #expect(
                    api.requests.map(\.target).map { $0.contains("page=\(1)") || $0.contains("page=2") || $0.contains("page=3") } == [
                        true, true, true,
                    ])
                #expect(api.requests.allSatisfy { $0.target.contains("per_page=50") })
            }
        }
    }

    /// A listing that claims a million pages and repeats itself stops at the first page that
    /// adds nothing; one that keeps inventing accounts stops at the page limit; one without
    /// result_info stops at its first short page.
    @Test func aPageThatNeverEndsIsCut() async throws {
        let api = StandInCloudflareAPI()
        api.answer(path: "/accounts") { query in
            Self.page(Self.ids(0..<50), page: Int(query["page"] ?? "") ?? 1, totalPages: 1_000_000)
        }
        try await api.serve { baseURL in
            let (endpoint, parts) = endpoint(baseURL)
            try await parts.run { _ in
                let listed = try await endpoint.listAccounts().get()
                #expect(listed.count == 50)
                #expect(api.requests.count == 2, "the second page added nothing")
            }
        }
        let inventing = StandInCloudflareAPI()
        inventing.answer(path: "/accounts") { query in
            let page = Int(query["page"] ?? "") ?? 1
            return Self.page(Self.ids((page * 50)..<(page * 50 + 50)), page: page, totalPages: 1_000_000_000)
        }
        try await inventing.serve { baseURL in
            let (endpoint, parts) = endpoint(baseURL, maxPages: 7)
            try await parts.run { _ in
                let listed = try await endpoint.listAccounts().get()
                #expect(listed.count == 350)
                #expect(inventing.requests.count == 7)
            }
        }
        let unpaged = StandInCloudflareAPI()
        unpaged.answer(path: "/accounts") { _ in Self.page(Self.ids(0..<3) + ["not-an-id"], page: 1, totalPages: nil) }
        try await unpaged.serve { baseURL in
            let (endpoint, parts) = endpoint(baseURL)
            try await parts.run { _ in
                let listed = try await endpoint.listAccounts().get()
                #expect(listed.map(\.id.rawValue) == Self.ids(0..<3), "a malformed id is skipped")
                #expect(unpaged.requests.count == 1)
            }
        }
    }

    /// Discovery while running: an account that appears is refreshed at once, one that leaves
    /// is dropped after max-stale, names (hostile ones too) reach account_info.
    @Test func discoveryFollowsTheListingWhileRunning() async throws {
        let api = StandInCloudflareAPI()
        let listed = Mutex(Self.ids(0..<2))
        let hostile = "Ops \"EU\"\\\n{prod}"
        api.answer(path: "/accounts") { _ in
            Self.page(listed.withLock { $0 }, names: [Self.ids(0..<1)[0]: hostile], page: 1, totalPages: 1)
        }
        for id in Self.ids(0..<3) { api.reply(for: id, with: .json(AnswerBuilder.success([AnswerBuilder.record()]))) }
        try await api.serve { baseURL in
            let clock = TestClock(unixTime: 1_738_800_000)
            let (endpoint, parts) = endpoint(baseURL)
            let store = SnapshotStore(accounts: [])
            try await parts.run { parts in
                let refresher = UsageRefresher(
                    store: store, source: parts.source, interval: .seconds(600), clock: clock, logger: Self.quiet)
                let discovery = AccountDiscovery(
                    endpoint: endpoint, store: store, refresher: refresher,
                    settings: DiscoverySettings(interval: .seconds(3_600), maxStaleSeconds: 7_200), clock: clock, logger: Self.quiet)
                let running = Task { try await refresher.run() }
                let discovering = Task { try await discovery.run() }
                defer {
                    running.cancel()
                    discovering.cancel()
                }
                // Discovery sleeps an interval; each account's loop sleeps to its slot.
                try await clock.waitForSleepers(3)
                #expect(store.accounts.map(\.rawValue) == Self.ids(0..<2))
                #expect(store.entries().allSatisfy { $0.snapshot.health.up == true }, "refreshed at once")
                #expect(store.snapshot(of: AccountID(Self.ids(0..<1)[0])!)?.accountName == hostile)

                listed.withLock { $0 = Self.ids(1..<3) }
                clock.advance(by: .seconds(3_600))
                try await clock.waitForSleepers(4)
                #expect(store.accounts.map(\.rawValue) == Self.ids(0..<3), "the new account joins; the gone one is kept until max-stale")
                #expect(store.snapshot(of: AccountID(Self.ids(2..<3)[0])!)?.health.up == true, "the new one is refreshed at once")

                clock.advance(by: .seconds(3_600))
                try await clock.waitForSleepers(3)
                #expect(store.accounts.map(\.rawValue) == Self.ids(1..<3), "dropped two hours after it was last listed")
                let body = String(buffer: ExpositionCache(store: store).body().bytes)
                let parsed = try ParsedExposition(body)
                #expect(parsed.matching("cloudflare_paygo_up").count == 2)
                #expect(parsed.matching("cloudflare_paygo_account_info").count == 2)
                #expect(refresher.schedule().accountCount == 2, "the schedule follows the watched accounts")
            }
        }
    }

    /// Accounts given by id whose answers carry no name (not covered, or records without
    /// BillingAccountName) are named by `GET /accounts/{id}`, once; one whose records name it
    /// costs no such call.
    @Test func accountsGivenByIDAreNamedToo() async throws {
        let api = StandInCloudflareAPI()
        let (uncovered, unnamed, named) = (TestAccounts.id(1), TestAccounts.id(2), TestAccounts.id(3))
        api.info(for: uncovered, with: StandInCloudflareAPI.infoAnswer(covered: false, anchor: "2025-01-01T00:00:00Z"))
        api.reply(for: unnamed, with: .json(AnswerBuilder.success([AnswerBuilder.record()])))
        api.reply(for: named, with: .json(AnswerBuilder.success([AnswerBuilder.record(extra: ["BillingAccountName": "From the records"])])))
        let hostile = "Ops \"EU\"\\\n{prod}"
        for account in [uncovered, unnamed, named] {
            api.answer(path: "/accounts/\(account)") { _ in
                .json(
                    AnswerBuilder.json([
                        "success": true, "errors": [Any](), "messages": [Any](),
                        "result": ["id": account, "name": "\(hostile) \(account.suffix(1))"],
                    ]))
            }
        }
        try await api.serve { baseURL in
            try await RunningExporter.with(TestAccounts.configuration(baseURL: baseURL, accounts: [1, 2, 3])) { exporter in
                let parsed = try await exporter.scrape { $0.matching("cloudflare_paygo_account_info").count == 3 }
                #expect(parsed.value("cloudflare_paygo_account_info", ["account_id": uncovered, "account_name": "\(hostile) 1"]) == 1)
                #expect(parsed.value("cloudflare_paygo_account_info", ["account_id": unnamed, "account_name": "\(hostile) 2"]) == 1)
                #expect(parsed.value("cloudflare_paygo_account_info", ["account_id": named, "account_name": "From the records"]) == 1)
                #expect(parsed.value("cloudflare_paygo_account_covered", ["account_id": uncovered]) == 0)
            }
        }
        #expect(
            Set(api.accountNameRequests.map(\.path)).count == 2 && api.accountNameRequests.count == 2, "once each, not for the named one")
    }

    /// A token that may not list accounts: the given ids are watched, explained once.
    @Test func aTokenThatMayNotListFallsBackToTheGivenIDs() async throws {
        var state = DiscoveryState(settings: DiscoverySettings(onlyAccounts: [TestAccounts.account(1), TestAccounts.account(2)]))
        let refused = CloudflareAPIError.status(403, apiErrors: [], operation: AccountsEndpoint.operation)
        let first = state.apply(.failure(refused), at: 0, matcher: nil)
        #expect(first.watched == [TestAccounts.account(1), TestAccounts.account(2)])
        #expect(first.explanation?.fix.contains("Account Settings Read") == true)
        #expect(state.apply(.failure(refused), at: 3_600, matcher: nil).explanation == nil, "explained once")
        var empty = DiscoveryState(settings: DiscoverySettings(onlyAccounts: [TestAccounts.account(1)]))
        let change = empty.apply(.success([]), at: 0, matcher: nil)
        #expect(change.watched == [TestAccounts.account(1)] && change.explanation != nil)
    }

    /// An id given to narrow discovery that the token does not list is said once, until it is
    /// listed again; each listing's outcome is a metric per credential.
    @Test func aGivenIDTheTokenDoesNotListIsSaidOnce() {
        let (one, two) = (TestAccounts.account(1), TestAccounts.account(2))
        var state = DiscoveryState(settings: DiscoverySettings(onlyAccounts: [one, two]))
        let listedOne = [ListedAccount(id: one, name: "One")]
        #expect(state.apply(.success(listedOne), at: 0, matcher: nil).givenButNotListed == [two])
        #expect(state.apply(.success(listedOne), at: 3_600, matcher: nil).givenButNotListed == [], "said once")
        let both = [ListedAccount(id: one, name: "One"), ListedAccount(id: two, name: "Two")]
        #expect(state.apply(.success(both), at: 7_200, matcher: nil).givenButNotListed == [])
        #expect(state.apply(.success(listedOne), at: 10_800, matcher: nil).givenButNotListed == [two], "gone again: said again")

        let status = DiscoveryStatus()
        #expect(status.families().allSatisfy { $0.samples.isEmpty }, "nothing before a listing")
        status.record(credential: "team-a", successful: false, at: 1_000)
        status.record(credential: "team-b", successful: true, at: 1_000)
        let generation = status.generation
        status.record(credential: "team-a", successful: true, at: 4_600)
        status.record(credential: "team-b", successful: false, at: 4_600)
        #expect(status.generation != generation)
        let families = status.families()
        func values(_ descriptor: MetricDescriptor) -> [String: Double] {
            Dictionary(
                uniqueKeysWithValues: (families.first { $0.descriptor == descriptor }?.samples ?? []).map {
                    ($0.labels.first { $0.name == "credential" }?.value ?? "", $0.value)
                })
        }
        #expect(values(MetricCatalog.discoveryLastListingSuccessful) == ["team-a": 1, "team-b": 0])
        #expect(values(MetricCatalog.discoveryLastSuccessTimestamp) == ["team-a": 4_600, "team-b": 1_000], "the last success stays")
    }

    /// An account the first credential's listing no longer shows is kept for max-stale, but a
    /// later credential that gives it polls it at once; the first credential takes it back when
    /// its listing shows it again.
    @Test func aCredentialThatLostAnAccountNeverOutranksOneThatHasIt() {
        let (kept, moved) = (TestAccounts.account(1), TestAccounts.account(2))
        let store = SnapshotStore(accounts: [])
        let routing = RoutingUsageSource(sources: [DemoUsageSource(), DemoUsageSource()])
        let assignment = AccountAssignment(
            credentials: [("a", [], false), ("b", [moved], false)], store: store, routing: routing, logger: Self.quiet)
        assignment.start()
        var listing = DiscoveryState(settings: DiscoverySettings(maxStaleSeconds: 7_200))
        func list(_ accounts: [AccountID], at time: Double) {
            let change = listing.apply(.success(accounts.map { ListedAccount(id: $0, name: nil) }), at: time, matcher: nil)
            assignment.discovered(change.watched, unlisted: change.unlisted, seen: change.seen, byCredential: 0)
        }
        list([kept, moved], at: 0)
        #expect(routing.credentialIndex(of: moved) == 0, "the first credential that lists it")
        list([kept], at: 3_600)
        #expect(store.accounts == [kept, moved])
        #expect(routing.credentialIndex(of: moved) == 1, "kept by a only until max-stale: b, which gives it, polls it")
        _ = assignment.discovered(
            listing.apply(.failure(.status(500, apiErrors: [], operation: AccountsEndpoint.operation)), at: 5_000, matcher: nil).watched,
            unlisted: nil, seen: nil, byCredential: 0)
        #expect(routing.credentialIndex(of: moved) == 1, "a failed listing tells nothing new")
        list([kept, moved], at: 6_000)
        #expect(routing.credentialIndex(of: moved) == 0, "listed again")
    }

    /// Given ids narrow, excluded ids and a name pattern filter, all against the listing.
    @Test func listingsAreNarrowedExcludedAndFilteredByName() throws {
        let listing = (1...6).map { ListedAccount(id: TestAccounts.account($0), name: $0 % 2 == 0 ? "prod-\($0)" : "dev-\($0)") }
        let settings = DiscoverySettings(excludedAccounts: [TestAccounts.account(4)], namePattern: "prod-.*")
        var state = DiscoveryState(settings: settings)
        let matcher = try settings.compiledNamePattern()
        #expect(state.apply(.success(listing), at: 0, matcher: matcher).watched == [TestAccounts.account(2), TestAccounts.account(6)])
        let anchored = try DiscoverySettings(namePattern: "prod").compiledNamePattern()
        var whole = DiscoveryState(settings: DiscoverySettings(namePattern: "prod"))
        #expect(whole.apply(.success(listing), at: 0, matcher: anchored).watched.isEmpty, "the pattern matches the whole name")
        var narrowed = DiscoveryState(settings: DiscoverySettings(onlyAccounts: [TestAccounts.account(3), TestAccounts.account(9)]))
        #expect(narrowed.apply(.success(listing), at: 0, matcher: nil).watched == [TestAccounts.account(3)])
    }

    @Test func discoveryFlagsAreChecked() throws {
        var options = CommandLineOptions()
        options.discoverAccounts = true
        let environment = ["CLOUDFLARE_API_TOKEN": "token"]
        let configuration = try ExporterConfiguration(options: options, environment: environment)
        #expect(configuration.accounts.isEmpty && configuration.discovery?.interval == .seconds(3_600), "no id needed")
        options.accountNameRegex = "prod-("
        #expect(throws: ConfigurationError.self) { try ExporterConfiguration(options: options, environment: environment) }
        options.accountNameRegex = nil
        options.discoveryInterval = "5s"
        #expect(throws: ConfigurationError.self, "at least a minute") {
            try ExporterConfiguration(options: options, environment: environment)
        }
        options.discoveryInterval = "1h"
        options.excludedAccountIDs = ["nope"]
        #expect(throws: ConfigurationError.self) { try ExporterConfiguration(options: options, environment: environment) }
        var plain = CommandLineOptions()
        plain.accountIDs = [TestAccounts.id(1)]
        plain.excludedAccountIDs = [TestAccounts.id(2)]
        #expect(throws: ConfigurationError.self, "filters need discovery") {
            try ExporterConfiguration(options: plain, environment: environment)
        }
    }
}
