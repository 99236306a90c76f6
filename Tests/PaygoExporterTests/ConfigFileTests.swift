import Foundation
import Logging
import PrometheusExposition
import Synchronization
import Testing

@testable import PaygoExporter

/// `--config.file`: its errors, many credentials kept apart over loopback HTTP (a 429 and a
/// revoked token on one, the others unaffected), an account two credentials reach polled once,
/// static labels on account_info, and the reload.
@Suite struct ConfigFileTests {
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    /// A temporary directory with files in it, removed when the test ends.
    final class Folder: Sendable {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UInt64.random(in: 0...UInt64.max))").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = path + "/" + name
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
    }

    static func id(_ number: Int) -> String { String(format: "%032x", number) }

    func configuration(
        _ yaml: String, in folder: Folder, options: (inout CommandLineOptions) -> Void = { _ in }
    ) throws
        -> ExporterConfiguration
    {
        var commandLine = CommandLineOptions()
        commandLine.configFile = try folder.write("exporter.yml", yaml)
        options(&commandLine)
        return try ExporterConfiguration(
            options: commandLine,
            environment: ["TEAM_B_TOKEN": "token-b", "LEGACY_EMAIL": "ops@example.com", "SPACED_TOKEN": "spaced token"])
    }

    @Test func theExampleOfTheIssueIsAccepted() throws {
        let folder = try Folder()
        let tokenA = try folder.write("team-a", "token-a\n")
        let keyC = try folder.write("legacy-key", "0123456789abcdef0123456789abcdef01234\n")
        let configuration = try configuration(
            """
            credentials:
              - name: team-a
                api_token_file: \(tokenA)
                rate_limit: 600/5m
                accounts: [\(Self.id(1))]
                discover: true
                exclude: [\(Self.id(9))]
              - name: team-b
                api_token_env: TEAM_B_TOKEN
                accounts: [\(Self.id(2)), \(Self.id(1))]
              - name: legacy
                api_email_env: LEGACY_EMAIL
                api_key_file: \(keyC)
                accounts: [\(Self.id(3))]
            account_labels:
              \(Self.id(1)): {team: payments, cost_center: cc-42}
            """, in: folder)
        let credentials = configuration.credentials
        #expect(credentials.map(\.name) == ["team-a", "team-b", "legacy"])
        #expect(credentials[0].api.tokenFile == tokenA && credentials[0].discovery?.excludedAccounts == [AccountID(Self.id(9))!])
        #expect(credentials[0].api.rateLimit == RequestRate(requests: 600, perSeconds: 300))
        #expect(credentials[1].api.tokenFile == nil && credentials[1].discovery == nil)
        #expect(credentials[2].api.globalKeyEmail == "ops@example.com")
        #expect(configuration.givenAccounts.map(\.rawValue) == [Self.id(1), Self.id(2), Self.id(3)], "each account once")
        #expect(configuration.accountLabels[AccountID(Self.id(1))!] == ["team": "payments", "cost_center": "cc-42"])
        #expect(configuration.configFile != nil)
    }

    @Test(arguments: [
        ("credentials: []", "no credentials"),
        ("credential: []", "unknown key credential"),
        ("credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n", "has no accounts"),
        ("credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    accounts: [nope]\n", "not a Cloudflare account id"),
        ("credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: yes please\n", "discover must be true or false"),
        ("credentials:\n  - name: a\n    api_token_env: MISSING\n    discover: true\n", "MISSING, which is not set"),
        ("credentials:\n  - name: a\n    discover: true\n", "needs exactly one of"),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    api_token_file: /x\n    discover: true\n",
            "needs exactly one of"
        ),
        ("credentials:\n  - name: a\n    api_token_file: /nonexistent/token\n    discover: true\n", "cannot read"),
        ("credentials:\n  - name: a b\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n", "name must be"),
        ("credentials:\n  - api_token_env: TEAM_B_TOKEN\n    discover: true\n", "name is missing"),
        ("credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n    rate_limit: lots\n", "rate_limit"),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n    colour: red\n",
            "unknown key credentials[0].colour"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    accounts: [\(id(1))]\n    exclude: [\(id(2))]\n",
            "add discover: true"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n",
            "used twice"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\naccount_labels:\n  \(id(1)): {account_name: x}\n",
            "a label the exporter"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\naccount_labels:\n  \(id(1)): {9lives: x}\n",
            "the label name \"9lives\" is not a Prometheus label name"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: SPACED_TOKEN\n    discover: true\n",
            "the token in SPACED_TOKEN (--config.file credentials[0] (a).api_token_env) holds spaces"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n  -\n   bad: [\n",
            "did not find expected node content)"
        ),
        (
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n    account_name_regex: 'prod-('\n",
            "not a valid regular expression"
        ),
        ("credentials: [unclosed", "not valid YAML"),
        ("credentials:\n  - name: a\n    name: b\n", "not valid YAML"),
    ])
    func mistakesAreOneLineErrors(yaml: String, mentions: String) throws {
        let folder = try Folder()
        do {
            _ = try configuration(yaml, in: folder)
            Issue.record("accepted: \(yaml)")
        } catch {
            let text = "\(error)"
            #expect(error is ConfigurationError)
            #expect(text.contains(mentions), "\(text)")
            #expect(text.contains("--config.file"), "\(text)")
            #expect(!text.contains("\n"))
            #expect(!text.contains("token-b") && !text.contains("spaced token"), "never a secret")
            #expect(!text.contains(":)") && !text.contains("Context"), "no debris of the YAML parser's message: \(text)")
        }
    }

    /// A changed exclude list or name pattern is named as such, not as "discover".
    @Test func aReloadNamesEachDiscoverySettingThatChanged() throws {
        let base = try configuration(
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n", in: try Folder()
        ).credentials[0]
        var excluded = base
        excluded.discovery?.excludedAccounts = [AccountID(Self.id(9))!]
        #expect(ConfigFileReload.settingsChanged(from: base, to: excluded) == ["exclude"])
        var pattern = base
        pattern.discovery?.namePattern = "prod-.*"
        #expect(ConfigFileReload.settingsChanged(from: base, to: pattern) == ["account_name_regex"])
        var off = base
        off.discovery = nil
        #expect(ConfigFileReload.settingsChanged(from: base, to: off) == ["discover"])
        #expect(ConfigFileReload.settingsChanged(from: base, to: base).isEmpty)
    }

    /// A relative token file is found next to the config file, as Prometheus resolves the
    /// files its configuration names, wherever the exporter was started.
    @Test func aRelativeTokenFileIsRelativeToTheConfigFile() throws {
        let folder = try Folder()
        try folder.write("team-a.token", "token-a\n")
        let configuration = try configuration(
            "credentials:\n  - name: a\n    api_token_file: team-a.token\n    accounts: [\(Self.id(1))]\n", in: folder)
        #expect(configuration.credentials.first?.api.tokenFile == folder.path + "/team-a.token")
        #expect(configuration.credentials.first?.api.credentials.headers.first?.value == "Bearer token-a")
    }

    @Test func theOneTokenFlagsDoNotMixWithTheFile() throws {
        let folder = try Folder()
        let yaml = "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    discover: true\n"
        #expect(throws: ConfigurationError.self) {
            try configuration(yaml, in: folder) { $0.accountIDs = [Self.id(1)] }
        }
        #expect(throws: ConfigurationError.self) {
            try configuration(yaml, in: folder) { $0.discoverAccounts = true }
        }
        // Settings that are not per credential apply to every one of them.
        let shared = try configuration(yaml, in: folder) {
            $0.apiURL = "http://127.0.0.1:9/client/v4"
            $0.timeout = "7s"
            $0.totalShards = 2
            $0.rateLimit = "600/5m"
        }
        #expect(shared.credentials[0].api.baseURL == "http://127.0.0.1:9/client/v4" && shared.credentials[0].api.timeoutSeconds == 7)
        #expect(shared.credentials[0].api.rateLimit == RequestRate(requests: 300, perSeconds: 300), "the flag's rate, split over 2 shards")
    }

    /// Three credentials against one stand-in: team-a's token is rate limited (429 with a long
    /// Retry-After), team-b's is revoked (401), team-c's works. team-c's accounts refresh and
    /// its gate stays open; each account is called with its own credential's token only.
    @Test func aRateLimitedAndARevokedTokenNeverSlowTheOthers() async throws {
        let folder = try Folder()
        let api = StandInCloudflareAPI()
        // team-a has more accounts than the refresher has slots, and they sort (and so start)
        // before team-c's: waiting out team-a's pause must not hold team-c's refreshes.
        let (limited, revoked, healthy, shared) = (Self.id(1), Self.id(2), Self.id(20), Self.id(21))
        let moreLimited = (5..<15).map(Self.id)
        for account in [limited] + moreLimited {
            api.reply(
                for: account,
                with: .json(AnswerBuilder.failure(code: 971, message: "Please wait"), status: 429, headers: ["Retry-After": "120"]))
        }
        api.reply(for: revoked, with: .json(AnswerBuilder.failure(code: 10000, message: "Authentication error"), status: 401))
        for account in [healthy, shared] {
            api.reply(for: account, with: .json(AnswerBuilder.success([AnswerBuilder.record(cost: 2)])))
        }
        let tokenA = try folder.write("a", "token-a")
        let tokenC = try folder.write("c", "token-c")
        try await api.serve { baseURL in
            let configuration = try configuration(
                """
                credentials:
                  - name: team-a
                    api_token_file: \(tokenA)
                    accounts: [\(([limited] + moreLimited).joined(separator: ", "))]
                  - name: team-b
                    api_token_env: TEAM_B_TOKEN
                    accounts: [\(revoked)]
                  - name: team-c
                    api_token_file: \(tokenC)
                    accounts: [\(healthy), \(shared)]
                  - name: team-d
                    api_token_env: TEAM_B_TOKEN
                    accounts: [\(shared)]
                account_labels:
                  \(healthy): {team: "pay\\"ments", cost_center: cc-42}
                """, in: folder
            ) { $0.apiURL = baseURL }
            try await RunningExporter.with(configuration) { exporter in
                let parsed = try await exporter.scrape { parsed in
                    parsed.value("cloudflare_paygo_up", ["account_id": healthy]) == 1
                        && parsed.value("cloudflare_paygo_up", ["account_id": revoked]) == 0
                        && (parsed.value("cloudflare_paygo_rate_limited_until_timestamp_seconds", ["credential": "team-a"]) ?? 0) > 0
                }
                #expect(parsed.value("cloudflare_paygo_up", ["account_id": shared]) == 1)
                #expect(parsed.value("cloudflare_paygo_rate_limited_until_timestamp_seconds", ["credential": "team-c"]) == 0)
                #expect(parsed.value("cloudflare_paygo_refresh_errors_total", ["account_id": revoked, "reason": "auth"]) == 1)
                for credential in ["team-a", "team-b", "team-c", "team-d"] {
                    #expect(parsed.value("cloudflare_paygo_rate_limit_requests_per_second", ["credential": credential]) == 2, "600/5m each")
                }
                #expect(
                    parsed.value("cloudflare_paygo_api_calls_total", ["credential": "team-d"]) == 0, "team-d's only account is team-c's")
                #expect(
                    parsed.value(
                        "cloudflare_paygo_account_info", ["account_id": healthy, "team": "pay\"ments", "cost_center": "cc-42"]) == 1)
                #expect(exporter.logLines.contains { $0.contains("polled with the first") && $0.contains(shared) })
            }
            func tokens(of account: String) -> Set<String> {
                Set(api.requests.filter { $0.path.contains(account) }.compactMap { $0.headers["authorization"] })
            }
            #expect(tokens(of: limited) == ["Bearer token-a"])
            #expect(tokens(of: revoked) == ["Bearer token-b"])
            #expect(tokens(of: healthy) == ["Bearer token-c"])
            #expect(tokens(of: shared) == ["Bearer token-c"], "polled once, with the first credential that has it")
        }
    }

    /// SIGHUP's reload: new accounts and labels apply while running; a broken file keeps the
    /// running configuration.
    @Test func aReloadAppliesAccountsAndLabelsAndABrokenFileChangesNothing() throws {
        let folder = try Folder()
        let yaml = { (accounts: String, team: String) in
            "credentials:\n  - name: a\n    api_token_env: TEAM_B_TOKEN\n    accounts: [\(accounts)]\naccount_labels:\n  \(Self.id(1)): {team: \(team)}\n"
        }
        let configuration = try configuration(yaml(Self.id(1), "one"), in: folder)
        let store = SnapshotStore(accounts: configuration.accounts)
        let assignment = AccountAssignment(
            credentials: configuration.credentials.map { ($0.name, $0.accounts, $0.keepsGivenAccounts) },
            labels: configuration.accountLabels, store: store,
            logger: Self.quiet)
        assignment.start()
        #expect(store.snapshot(of: AccountID(Self.id(1))!)?.staticLabels == ["team": "one"])
        let refresher = UsageRefresher(
            store: store, source: DemoUsageSource(), interval: .seconds(600), logger: Self.quiet)
        let lines = LogLines()
        let logger = Logger(label: "test") { label in
            ExporterLogHandler(label: label, level: .debug, format: .logfmt, sink: LogSink { lines.append($0) })
        }
        let loadedAt = Date(timeIntervalSince1970: 1_000)
        let configReload = ConfigFileReload(
            path: configuration.configFile!, defaults: configuration.configFileDefaults!, running: configuration.credentials,
            assignment: assignment,
            refresher: refresher, environment: ["TEAM_B_TOKEN": "token-b"], loadedAt: loadedAt, logger: logger)
        func gauges() -> (successful: Double?, lastSuccess: Double?) {
            let families = configReload.families()
            return (
                families.first { $0.descriptor == MetricCatalog.configLastReloadSuccessful }?.samples.first?.value,
                families.first { $0.descriptor == MetricCatalog.configLastReloadSuccessTimestamp }?.samples.first?.value
            )
        }
        #expect(gauges() == (1, 1_000), "start-up counts as a successful load")
        try folder.write("exporter.yml", yaml("\(Self.id(1)), \(Self.id(2))", "two"))
        var generation = configReload.generation
        configReload.reload(reason: "SIGHUP")
        #expect(store.accounts.map(\.rawValue) == [Self.id(1), Self.id(2)])
        #expect(store.snapshot(of: AccountID(Self.id(1))!)?.staticLabels == ["team": "two"])
        let reloaded = gauges()
        #expect(reloaded.successful == 1)
        #expect((reloaded.lastSuccess ?? 0) > 1_000, "the reload's own time")
        #expect(configReload.generation != generation, "the cached body is rebuilt")
        try folder.write("exporter.yml", "credentials: [broken")
        generation = configReload.generation
        configReload.reload(reason: "SIGHUP")
        #expect(store.accounts.map(\.rawValue) == [Self.id(1), Self.id(2)], "kept")
        #expect(lines.contains { $0.contains("not reloaded") && $0.contains("level=error") })
        #expect(gauges() == (0, reloaded.lastSuccess), "failed; the last success stays")
        #expect(configReload.generation != generation)
        try folder.write("exporter.yml", yaml(Self.id(1), "three"))
        configReload.reload(reason: "SIGHUP")
        #expect(gauges().successful == 1, "mended")
        #expect(store.accounts.map(\.rawValue) == [Self.id(1)])
    }

    /// A reload applies a credential's new rate (its budget, its schedule, its metric) and its
    /// new secret source while running; what waits for the next start is named in the log,
    /// never shown: a discovery change, a renamed credential (which keeps its accounts).
    @Test func aReloadAppliesRateAndSecretAndNamesWhatWaitsForTheNextStart() async throws {
        let folder = try Folder()
        let yaml = { (name: String, tokenVariable: String, rate: String, discover: Bool) in
            "credentials:\n  - name: \(name)\n    api_token_env: \(tokenVariable)\n    rate_limit: \(rate)\n    discover: \(discover)\n"
                + "    accounts: [\(Self.id(1))]\n  - name: b\n    api_token_env: TOKEN_B\n    accounts: [\(Self.id(2))]\n"
        }
        let environment = ["TOKEN_A": "secret-token-a", "TOKEN_NEW": "secret-token-new", "TOKEN_B": "secret-token-b"]
        var commandLine = CommandLineOptions()
        commandLine.configFile = try folder.write("exporter.yml", yaml("a", "TOKEN_A", "600/5m", false))
        let configuration = try ExporterConfiguration(options: commandLine, environment: environment)
        let store = SnapshotStore(accounts: configuration.accounts)
        let assignment = AccountAssignment(
            credentials: configuration.credentials.map { ($0.name, $0.accounts, $0.keepsGivenAccounts) }, store: store, logger: Self.quiet)
        assignment.start()
        let lines = LogLines()
        let logger = Logger(label: "test") { label in
            ExporterLogHandler(label: label, level: .debug, format: .logfmt, sink: LogSink { lines.append($0) })
        }
        let parts = UsageSourceParts(mode: configuration.mode, accounts: configuration.accounts, logger: Self.quiet)
        try await parts.run { parts in
            let refresher = UsageRefresher(
                store: store, source: DemoUsageSource(), interval: .seconds(1), credentials: configuration.refreshCredentials,
                credentialIndex: parts.credentialIndex, logger: Self.quiet)
            let reload = ConfigFileReload(
                path: configuration.configFile!, defaults: configuration.configFileDefaults!, running: configuration.credentials,
                credentials: zip(parts.apis, parts.credentialStores).map { .init(api: $0, secrets: $1) }, assignment: assignment,
                refresher: refresher, environment: environment, logger: logger)
            let account = AccountID(Self.id(1))!
            func schedule(_ rate: RequestRate) -> Duration {
                RefreshSchedule(
                    accountCount: 1, interval: .seconds(1), load: RefreshSchedule.TokenLoad(rate: rate, accounts: 1), jitter: [0]
                ).effectiveInterval
            }
            let (before, after) = (RequestRate(requests: 600, perSeconds: 300), RequestRate(requests: 60, perSeconds: 300))
            #expect(refresher.schedule(of: account).effectiveInterval == schedule(before))

            reload.reload(reason: "SIGHUP")
            #expect(!lines.contains { $0.contains("level=warning") || $0.contains("applied") }, "the same file: nothing to say")

            // The old token was paused after a 429 and had only its reserve left.
            parts.apis[0].gate.pause(seconds: 60)
            parts.apis[0].budget.observe(RateLimitQuota(remaining: 1, resetSeconds: 200), at: .now)
            try folder.write("exporter.yml", yaml("a", "TOKEN_NEW", "60/5m", true))
            reload.reload(reason: "SIGHUP")
            #expect(parts.apis[0].gate.remainingSeconds == 0, "the old token's pause is not the new one's")
            #expect(parts.apis[0].budget.reportedQuota == nil)
            #expect(parts.apis[0].budget.reserve(at: .now + .seconds(1)) < .now + .seconds(10), "nor its hold")
            #expect(parts.apis[0].budget.rate == after, "the budget paces at the new rate")
            #expect(refresher.schedule(of: account).effectiveInterval == schedule(after), "the schedule is planned for it")
            #expect(parts.apis[1].budget.rate == .default, "the other credential keeps its own")
            let rates = CredentialMetrics(parts.apis).families().first { $0.descriptor == MetricCatalog.rateLimit }?.samples
            #expect(rates?.first { $0.labels == [Label("credential", "a")] }?.value == 0.2)
            #expect(parts.credentialStores[0].current().headers.first?.value == "Bearer secret-token-new", "the new variable's token")
            #expect(lines.contains { $0.contains("applied credential settings") && $0.contains("settings=rate_limit,secret") })
            let waiting = lines.entries.filter { $0.contains("take effect at the next start") }
            #expect(waiting.count == 1)
            #expect(waiting.first?.contains("credential=a") == true && waiting.first?.contains("settings=discover") == true)
            #expect(!lines.all.contains("secret-token"), "the secrets are compared, never shown")

            let logged = lines.entries.count
            reload.reload(reason: "SIGHUP")
            #expect(
                lines.entries.dropFirst(logged).filter { $0.contains("applied") }.isEmpty, "applied once: the next reload compares with it")

            try folder.write("exporter.yml", yaml("renamed", "TOKEN_A", "600/5m", false))
            reload.reload(reason: "SIGHUP")
            #expect(lines.contains { $0.contains("renamed or reordered") && $0.contains("in_file=renamed,b") })
            #expect(store.accounts.map(\.rawValue) == [Self.id(1), Self.id(2)], "a's accounts stay until the next start")
            #expect(parts.apis[0].budget.rate == after, "a's settings too")
            #expect(reload.reloadState.successful)
        }
    }
}
