import Foundation
import PaygoExporter
import Testing

@Suite struct ConfigurationTests {
    @Test func listenAddresses() throws {
        #expect(try ListenAddress(parsing: ":10133") == ListenAddress(host: ListenAddress.everyInterface, port: 10133))
        #expect(["::", "0.0.0.0"].contains(ListenAddress.everyInterface))
        #expect(try ListenAddress(parsing: "127.0.0.1:9") == ListenAddress(host: "127.0.0.1", port: 9))
        #expect(try ListenAddress(parsing: "[::1]:10133") == ListenAddress(host: "::1", port: 10133))
        #expect(try ListenAddress(parsing: "localhost:0") == ListenAddress(host: "localhost", port: 0))
        for bad in ["10133", "::1:10133", "host:", "host:http", "[::1:1", ":70000"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try ListenAddress(parsing: bad) }
        }
    }

    @Test func durations() {
        #expect(PrometheusDuration.seconds("10m") == 600)
        #expect(PrometheusDuration.seconds("1h30m") == 5_400)
        #expect(PrometheusDuration.seconds("500ms") == 0.5)
        #expect(PrometheusDuration.seconds("2d") == 172_800)
        #expect(PrometheusDuration.seconds("90s") == 90)
        for bad in ["", "10", "m", "1m1h", "1.5m", "-1m", "1x"] {
            #expect(PrometheusDuration.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func accountsFromFlagsOrEnvironment() throws {
        var options = CommandLineOptions()
        options.accountIDs = [TestAccounts.id(2), "\(TestAccounts.id(1)),\(TestAccounts.id(2))"]
        let fromFlags = try ExporterConfiguration(options: options, environment: ["CLOUDFLARE_API_TOKEN": "t"])
        #expect(fromFlags.accounts == [TestAccounts.account(2), TestAccounts.account(1)])
        let fromEnvironment = try ExporterConfiguration(
            options: CommandLineOptions(),
            environment: ["CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_ACCOUNT_ID": " \(TestAccounts.id(3)) , \(TestAccounts.id(4))"])
        #expect(fromEnvironment.accounts == [TestAccounts.account(3), TestAccounts.account(4)])
    }

    @Test func credentialsPrecedence() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UInt64.random(in: 0...UInt64.max))").path
        try "file-token\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard case .apiToken(let fromFile) = try CredentialsResolver.resolve(tokenFile: path, environment: ["CLOUDFLARE_API_TOKEN": "env"])
        else {
            Issue.record("expected a token")
            return
        }
        #expect(fromFile == "file-token")
        guard
            case .apiToken(let fromEnvironment) = try CredentialsResolver.resolve(
                tokenFile: nil, environment: ["CLOUDFLARE_API_TOKEN": "env"])
        else {
            Issue.record("expected a token")
            return
        }
        #expect(fromEnvironment == "env")
        guard
            case .globalKey(let email, let key) = try CredentialsResolver.resolve(
                tokenFile: nil, environment: ["CLOUDFLARE_API_EMAIL": "a@b.c", "CLOUDFLARE_API_KEY": "k"])
        else {
            Issue.record("expected a global key")
            return
        }
        #expect(email == "a@b.c" && key == "k")
        #expect(throws: ConfigurationError.self) {
            try CredentialsResolver.resolve(tokenFile: nil, environment: ["CLOUDFLARE_API_KEY": "k"])
        }
    }

    @Test func credentialsNeverPrint() {
        let credentials = CloudflareCredentials.apiToken(TestAccounts.secretToken)
        #expect(!"\(credentials)".contains(TestAccounts.secretToken))
        #expect(!String(reflecting: credentials).contains(TestAccounts.secretToken))
        var dumped = ""
        dump(credentials, to: &dumped)
        #expect(!dumped.contains(TestAccounts.secretToken))
    }

    @Test func durationsFormatTheWayTheyParse() {
        #expect(PrometheusDuration.format(.seconds(600)) == "10m")
        #expect(PrometheusDuration.format(.seconds(5_400)) == "1h30m")
        #expect(PrometheusDuration.format(.milliseconds(1_500)) == "1s500ms")
        #expect(PrometheusDuration.format(.seconds(86_400)) == "1d")
        #expect(PrometheusDuration.format(.zero) == "0s")
    }

    @Test func accountIDRules() {
        #expect(AccountID("0123456789abcdef0123456789abcdef") != nil)
        #expect(AccountID("0123456789ABCDEF0123456789ABCDEF") == nil)
        #expect(AccountID("0123456789abcdef0123456789abcde") == nil)
        #expect(AccountID("0123456789abcdef0123456789abcdeg") == nil)
    }
}
