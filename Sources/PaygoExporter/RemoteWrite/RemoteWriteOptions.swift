/// The `backfill --remote-write.*` flags as typed, before validation. The executable fills this
/// in; `RemoteWriteConfiguration` checks it. The defaults written here are the flags' defaults.
public struct RemoteWriteOptions: Sendable {
    public static let defaults = RemoteWriteOptions()

    public var url: String?
    public var bearerTokenFile: String?
    public var basicAuthUsername: String?
    public var basicAuthPasswordFile: String?
    public var caFile: String?
    /// `NAME=VALUE`, repeatable.
    public var headers: [String] = []
    public var concurrency = 4
    public var maxSamplesPerSend = 10_000
    public var timeout = "30s"

    public init() {}

    /// The flags given that only mean something with `--remote-write.url`, by name.
    public var flagsNeedingURL: [String] {
        var given: [String] = []
        if bearerTokenFile != nil { given.append("--remote-write.bearer-token-file") }
        if basicAuthUsername != nil { given.append("--remote-write.basic-auth.username") }
        if basicAuthPasswordFile != nil { given.append("--remote-write.basic-auth.password-file") }
        if caFile != nil { given.append("--remote-write.ca-file") }
        if !headers.isEmpty { given.append("--remote-write.header") }
        if concurrency != Self.defaults.concurrency { given.append("--remote-write.concurrency") }
        if maxSamplesPerSend != Self.defaults.maxSamplesPerSend { given.append("--remote-write.max-samples-per-send") }
        if timeout != Self.defaults.timeout { given.append("--remote-write.timeout") }
        return given
    }
}
