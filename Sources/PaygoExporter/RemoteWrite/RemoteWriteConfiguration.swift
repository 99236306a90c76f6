import Foundation

/// The checked `--remote-write.*` flags: where backfill sends, as whom, with which extra
/// headers, how many requests at once and how large.
public struct RemoteWriteConfiguration: Sendable {
    /// The receiver's URL as given, e.g. `http://prometheus:9090/api/v1/write`.
    public let url: String
    /// The URL as logs and errors show it: scheme, host, port and path, never a query (which
    /// may carry a key).
    public let receiver: String
    public let credentials: RemoteWriteCredentials
    /// Extra request headers in the order given, e.g. `X-Scope-OrgID`. Their values are never
    /// logged: some stores take keys in them.
    public let headers: [(name: String, value: String)]
    /// PEM file of the CA certificates to trust instead of the system's.
    public let caFile: String?
    public let concurrency: Int
    public let maxSamplesPerSend: Int
    /// Deadline of one request, connect to answer.
    public let timeoutSeconds: Double

    /// Headers the protocol or the credential flags set; `--remote-write.header` may not.
    static let reservedHeaders: [String: String] = [
        "authorization": "use --remote-write.bearer-token-file or --remote-write.basic-auth.* (secrets come from files)",
        "content-encoding": "remote write 1.0 is always snappy", "content-type": "remote write 1.0 is always protobuf",
        "x-prometheus-remote-write-version": "backfill speaks 0.1.0 (remote write 1.0)",
        "content-length": "the client sets it", "transfer-encoding": "the client sets it", "host": "it comes from --remote-write.url",
        "connection": "the client manages connections",
    ]

    /// Checks the options; nil when `--remote-write.url` was not given (and no other flag of it).
    public init?(options: RemoteWriteOptions) throws(ConfigurationError) {
        guard let url = options.url else {
            if let flag = options.flagsNeedingURL.first {
                throw ConfigurationError("\(flag) is given without --remote-write.url", fix: "add --remote-write.url or drop \(flag)")
            }
            return nil
        }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = parsed.host, !host.isEmpty
        else {
            throw ConfigurationError(
                "--remote-write.url is not an http(s) URL", fix: "use e.g. http://prometheus:9090/api/v1/write")
        }
        guard parsed.user == nil, parsed.password == nil else {
            throw ConfigurationError(
                "--remote-write.url holds a user or password",
                fix: "use --remote-write.basic-auth.username and --remote-write.basic-auth.password-file: secrets come from files")
        }
        self.url = url
        let port = parsed.port.map { ":\($0)" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        receiver = "\(scheme)://\(shownHost)\(port)\(parsed.path)"
        credentials = try Self.credentials(options)
        headers = try options.headers.map { item throws(ConfigurationError) in try Self.header(item) }
        if let caFile = options.caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ConfigurationError(
                "cannot read --remote-write.ca-file \(caFile)", fix: "point it at a readable PEM file of the CA certificates to trust")
        }
        caFile = options.caFile
        guard FlagRanges.remoteWriteConcurrency.contains(options.concurrency) else {
            throw ConfigurationError(
                "--remote-write.concurrency \(options.concurrency) is not from \(FlagRanges.remoteWriteConcurrency.lowerBound) to \(FlagRanges.remoteWriteConcurrency.upperBound)",
                fix: "use e.g. 4: more requests in flight rarely help a single receiver")
        }
        concurrency = options.concurrency
        guard FlagRanges.remoteWriteSamplesPerSend.contains(options.maxSamplesPerSend) else {
            throw ConfigurationError(
                "--remote-write.max-samples-per-send \(options.maxSamplesPerSend) is not from \(FlagRanges.remoteWriteSamplesPerSend.lowerBound) to \(FlagRanges.remoteWriteSamplesPerSend.upperBound)",
                fix: "use e.g. 10000 (about 100 KB per request after compression)")
        }
        maxSamplesPerSend = options.maxSamplesPerSend
        timeoutSeconds = try FlagRanges.duration(
            options.timeout, flag: "--remote-write.timeout", in: FlagRanges.remoteWriteTimeoutSeconds, example: "30s")
    }

    private static func credentials(_ options: RemoteWriteOptions) throws(ConfigurationError) -> RemoteWriteCredentials {
        switch (options.bearerTokenFile, options.basicAuthUsername, options.basicAuthPasswordFile) {
        case (nil, nil, nil):
            return .none
        case (let tokenFile?, nil, nil):
            return .bearer(token: try secret(in: tokenFile, flag: "--remote-write.bearer-token-file", what: "the bearer token"))
        case (nil, let username?, let passwordFile?):
            guard !username.isEmpty, !username.contains(":"), username.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
                throw ConfigurationError(
                    "--remote-write.basic-auth.username is empty, holds a colon or characters other than printable ASCII",
                    fix: "give the user name the receiver expects")
            }
            return .basic(
                username: username,
                password: try secret(in: passwordFile, flag: "--remote-write.basic-auth.password-file", what: "the password"))
        case (nil, _?, nil), (nil, nil, _?):
            throw ConfigurationError(
                "--remote-write.basic-auth.username and --remote-write.basic-auth.password-file go together",
                fix: "give both, or neither")
        case (_?, _, _):
            throw ConfigurationError(
                "--remote-write.bearer-token-file and --remote-write.basic-auth.* are both given", fix: "the receiver takes one; keep one")
        }
    }

    /// The file's text without surrounding whitespace; never quoted in an error.
    private static func secret(in path: String, flag: String, what: String) throws(ConfigurationError) -> String {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ConfigurationError(
                "cannot read \(flag) \(path)", fix: "check that the file exists, is readable by this user and holds \(what) as UTF-8 text")
        }
        guard !text.isEmpty else { throw ConfigurationError("\(flag) \(path) is empty", fix: "put \(what) in it") }
        guard text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw ConfigurationError(
                "\(flag) \(path) holds control or non-ASCII characters", fix: "it must be \(what) alone, on one line")
        }
        return text
    }

    /// `NAME=VALUE` with a token name and a one-line value.
    private static func header(_ item: String) throws(ConfigurationError) -> (name: String, value: String) {
        guard let equals = item.firstIndex(of: "=") else {
            throw ConfigurationError(
                "--remote-write.header \(FlagRanges.quoted(item)) is not NAME=VALUE",
                fix: "use e.g. --remote-write.header X-Scope-OrgID=billing")
        }
        let name = String(item[..<equals]).trimmingCharacters(in: .whitespaces)
        let value = String(item[item.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        let tokenCharacters = Set("!#$%&'*+-.^_`|~".utf8)
        guard !name.isEmpty,
            name.utf8.allSatisfy({
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || tokenCharacters.contains($0)
            })
        else {
            throw ConfigurationError(
                "--remote-write.header has a name \(FlagRanges.quoted(name)) that is not an HTTP header name",
                fix: "use letters, digits and - only, e.g. X-Scope-OrgID=billing")
        }
        if let why = reservedHeaders[name.lowercased()] {
            throw ConfigurationError("--remote-write.header may not set \(name)", fix: why)
        }
        // The value may be a key: its length is named, never the value.
        guard !value.isEmpty, value.utf8.count <= 4_096, value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw ConfigurationError(
                "--remote-write.header \(name) has an empty value, one over 4,096 bytes or characters other than printable ASCII (\(value.utf8.count) bytes)",
                fix: "give a one-line ASCII value, e.g. \(name)=billing")
        }
        return (name, value)
    }
}
