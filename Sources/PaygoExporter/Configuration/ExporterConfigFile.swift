import Foundation
import Yams

/// Reads `--config.file`: many credentials in one exporter, and static labels per account.
///
/// ```yaml
/// credentials:
///   - name: team-a                          # the `credential` label of token-level metrics
///     api_token_file: /run/secrets/team-a   # or api_token_env: NAME; or api_email_env + api_key_file
///     rate_limit: 600/5m                    # optional: --cloudflare.rate-limit
///     accounts: [0123456789abcdef0123456789abcdef]
///     discover: true                        # also every account this token lists
///     exclude: [fedcba9876543210fedcba9876543210]
///     account_name_regex: "prod-.*"         # optional, with discover
/// account_labels:                           # on cloudflare_paygo_account_info only
///   0123456789abcdef0123456789abcdef: {team: payments, cost_center: cc-42}
/// ```
///
/// Strict: an unknown key, a wrong type or a bad value is an error naming where it is, so a typo
/// never silently drops a credential. Secrets are read from the files and variables named,
/// never written in this file, and never quoted in an error.
public enum ExporterConfigFile {
    /// What the file configures.
    public struct Contents: Sendable {
        public var credentials: [CredentialConfiguration]
        /// Per account, label name to value; the names are valid Prometheus label names other
        /// than `account_id` and `account_name`.
        public var accountLabels: [AccountID: [String: String]]
    }

    /// What every credential shares, from the flags.
    public struct Defaults: Sendable {
        public var api: CloudflareAPIConfiguration
        public var shard: Shard
        public var discoveryInterval: Duration
        public var maxStaleSeconds: Double
    }

    static let maxCredentials = 1_000
    static let maxLabelsPerAccount = 16
    static let maxLabelValueBytes = 1_024

    public static func load(path: String, defaults: Defaults, environment: [String: String]) throws(ConfigurationError) -> Contents {
        try parse(YAMLConfigFile.read(path: path, flag: "--config.file"), source: path, defaults: defaults, environment: environment)
    }

    static func parse(
        _ text: String, source: String, defaults: Defaults, environment: [String: String]
    ) throws(ConfigurationError) -> Contents {
        func fail(_ problem: String, _ fix: String = "see the --config.file example in README.md") -> ConfigurationError {
            ConfigurationError("--config.file \(source): \(problem)", fix: fix)
        }
        guard let root = try YAMLConfigFile.compose(text, failing: { fail($0) }), let top = root.mapping else {
            throw fail("the top level must be a mapping with a credentials list")
        }
        // Relative paths in the file are relative to its folder, as in Prometheus's own files.
        let folder = URL(fileURLWithPath: source).deletingLastPathComponent().path
        var credentials: [CredentialConfiguration] = []
        var labels: [AccountID: [String: String]] = [:]
        for (key, value) in top {
            switch key.string {
            case "credentials":
                guard let list = value.sequence else { throw fail("credentials must be a list") }
                guard list.count <= maxCredentials else { throw fail("more than \(maxCredentials) credentials") }
                for (index, entry) in list.enumerated() {
                    let credential = try parseCredential(
                        entry, at: "credentials[\(index)]", folder: folder, defaults: defaults, environment: environment, fail)
                    guard !credentials.contains(where: { $0.name == credential.name }) else {
                        throw fail("credentials[\(index)].name \"\(credential.name)\" is used twice", "give each credential its own name")
                    }
                    credentials.append(credential)
                }
            case "account_labels":
                guard let mapping = value.mapping else { throw fail("account_labels must be a mapping of account ids") }
                for (account, entry) in mapping {
                    let id = try accountID(account, at: "account_labels", fail)
                    labels[id] = try parseLabels(entry, at: "account_labels.\(id)", fail)
                }
            default:
                throw fail("unknown key \(key.string ?? "?")", "use credentials and account_labels")
            }
        }
        guard !credentials.isEmpty else { throw fail("no credentials", "list at least one under credentials") }
        return Contents(credentials: credentials, accountLabels: labels)
    }

    private static func parseCredential(
        _ node: Node, at place: String, folder: String, defaults: Defaults, environment: [String: String],
        _ failing: (String, String) -> ConfigurationError
    ) throws(ConfigurationError) -> CredentialConfiguration {
        func fail(_ problem: String, _ fix: String = "see the --config.file example in README.md") -> ConfigurationError {
            failing(problem, fix)
        }
        guard let fields = node.mapping else { throw fail("\(place) must be a mapping") }
        var name: String?, tokenFile: String?, tokenEnv: String?, emailEnv: String?, keyFile: String?, rate: RequestRate?
        var accounts: [AccountID] = [], excluded: [AccountID] = [], discover = false, pattern: String?
        func scalar(_ value: Node, _ field: String) throws(ConfigurationError) -> String {
            guard let text = value.scalar?.string, !text.isEmpty else { throw fail("\(place).\(field) must be a non-empty value") }
            return text
        }
        func path(_ text: String) -> String { text.hasPrefix("/") ? text : folder + "/" + text }
        func ids(_ value: Node, _ field: String) throws(ConfigurationError) -> [AccountID] {
            guard let list = value.sequence else { throw fail("\(place).\(field) must be a list of account ids") }
            var found: [AccountID] = []
            for item in list {
                let id = try accountID(item, at: "\(place).\(field)", failing)
                if !found.contains(id) { found.append(id) }
            }
            return found
        }
        for (key, value) in fields {
            let field = key.string ?? "?"
            switch field {
            case "name":
                let text = try scalar(value, field)
                guard text.utf8.count <= 64, text.utf8.allSatisfy({ $0 < 0x80 && (isLabelCharacter($0) || $0 == 0x2D || $0 == 0x2E) })
                else {
                    throw fail("\(place).name must be 1 to 64 letters, digits, '_', '-' or '.'")
                }
                name = text
            case "api_token_file": tokenFile = path(try scalar(value, field))
            case "api_token_env": tokenEnv = try scalar(value, field)
            case "api_email_env": emailEnv = try scalar(value, field)
            case "api_key_file": keyFile = path(try scalar(value, field))
            case "rate_limit":
                let text = try scalar(value, field)
                guard let parsed = RequestRate(parsing: text) else {
                    throw fail("\(place).rate_limit is not n/duration such as 600/5m (1 to 1000000 calls per 1s to 1d)")
                }
                rate = parsed
            case "accounts": accounts = try ids(value, field)
            case "exclude": excluded = try ids(value, field)
            case "discover":
                guard let flag = value.scalar.flatMap({ Bool.construct(from: $0) }) else {
                    throw fail("\(place).discover must be true or false")
                }
                discover = flag
            case "account_name_regex": pattern = try scalar(value, field)
            default:
                throw fail(
                    "unknown key \(place).\(field)",
                    "use name, api_token_file, api_token_env, api_email_env, api_key_file, rate_limit, accounts, discover, exclude, account_name_regex"
                )
            }
        }
        guard let name else { throw fail("\(place).name is missing") }
        let where_ = "\(place) (\(name))"
        var api = defaults.api
        api.credentialName = name
        switch (tokenFile, tokenEnv, emailEnv, keyFile) {
        case (let file?, nil, nil, nil):
            api.credentials = try CredentialsResolver.resolve(
                tokenFile: file, environment: [:], flag: "--config.file \(where_).api_token_file")
            api.tokenFile = file
        case (nil, let variable?, nil, nil):
            guard let token = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !token.isEmpty else {
                throw fail("\(where_).api_token_env names \(variable), which is not set or empty")
            }
            api.credentials = try CredentialsResolver.resolve(
                token: token, source: "the token in \(variable) (--config.file \(where_).api_token_env)")
            api.tokenFile = nil
        case (nil, nil, let variable?, let file?):
            guard let email = environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines), !email.isEmpty else {
                throw fail("\(where_).api_email_env names \(variable), which is not set or empty")
            }
            api.credentials = try CredentialsResolver.resolveGlobalKey(
                email: email, keyFile: file, field: "--config.file \(where_).api_key_file")
            api.tokenFile = file
            api.globalKeyEmail = email
        default:
            throw fail("\(where_) needs exactly one of api_token_file, api_token_env, or api_email_env with api_key_file")
        }
        guard let share = defaults.shard.share(of: rate ?? defaults.api.rateLimit) else {
            throw fail("\(where_).rate_limit cannot be split among \(defaults.shard.total) shards")
        }
        api.rateLimit = share
        guard !accounts.isEmpty || discover else {
            throw fail("\(where_) has no accounts and does not discover any: give accounts or discover: true")
        }
        guard discover || (excluded.isEmpty && pattern == nil) else {
            throw fail("\(where_): exclude and account_name_regex filter discovered accounts; add discover: true")
        }
        var discovery: DiscoverySettings?
        if discover {
            let settings = DiscoverySettings(
                interval: defaults.discoveryInterval, excludedAccounts: Set(excluded), namePattern: pattern,
                maxStaleSeconds: defaults.maxStaleSeconds, shard: defaults.shard)
            do {
                _ = try settings.compiledNamePattern()
            } catch {
                throw fail(
                    "\(where_).account_name_regex is not a valid regular expression",
                    "use an ICU/Perl-style pattern matched against the whole name, e.g. 'prod-.*'; quote it in YAML")
            }
            discovery = settings
        }
        // The accounts given are watched beside what the token lists, not a filter of it.
        return CredentialConfiguration(api: api, accounts: accounts, discovery: discovery, keepsGivenAccounts: true)
    }

    private static func parseLabels(
        _ node: Node, at place: String, _ fail: (String, String) -> ConfigurationError
    ) throws(ConfigurationError) -> [String: String] {
        guard let mapping = node.mapping else { throw fail("\(place) must be a mapping of label names to values", "e.g. {team: payments}") }
        guard mapping.count <= maxLabelsPerAccount else { throw fail("\(place) has more than \(maxLabelsPerAccount) labels", "keep fewer") }
        var labels: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw fail("\(place): a label name is not a single value", "rename it") }
            guard let first = name.utf8.first, !(0x30...0x39).contains(first), !name.hasPrefix("__"),
                name.utf8.allSatisfy(isLabelCharacter)
            else {
                throw fail(
                    "\(place): the label name \(FlagRanges.quoted(name)) is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*, no leading __)",
                    "rename it")
            }
            guard !["account_id", "account_name", "job", "instance"].contains(name) else {
                throw fail("\(place).\(name) is a label the exporter or Prometheus sets", "rename it")
            }
            guard let text = value.scalar?.string, text.utf8.count <= maxLabelValueBytes else {
                throw fail("\(place).\(name) must be a single value of at most \(maxLabelValueBytes) bytes", "shorten it")
            }
            labels[name] = text
        }
        return labels
    }

    private static func accountID(
        _ node: Node, at place: String, _ fail: (String, String) -> ConfigurationError
    ) throws(ConfigurationError) -> AccountID {
        guard let text = node.scalar?.string, let id = AccountID(text) else {
            let problem = node.scalar.map { AccountID.problem(with: $0.string) } ?? "it is not a single value"
            throw fail(
                "\(place) holds an account id that is not a Cloudflare account id: \(problem)",
                "use the 32-character lowercase hex id shown in the dashboard URL; the value is not shown, as it could be a pasted secret")
        }
        return id
    }

    private static func isLabelCharacter(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F
    }
}
