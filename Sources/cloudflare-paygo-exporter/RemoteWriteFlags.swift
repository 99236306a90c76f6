import ArgumentParser
import PaygoExporter

/// `backfill`'s `--remote-write.*` flags, copied into `RemoteWriteOptions` for checking.
struct RemoteWriteFlags: ParsableArguments {
    @Option(
        name: .customLong("remote-write.url"),
        help: ArgumentHelp(
            "Send the history over Prometheus remote write 1.0 to this URL instead of writing --output (e.g. http://prometheus:9090/api/v1/write).",
            valueName: "url"))
    var url: String?

    @Option(
        name: .customLong("remote-write.bearer-token-file"),
        help: ArgumentHelp("File holding the bearer token the receiver expects.", valueName: "path"))
    var bearerTokenFile: String?

    @Option(
        name: .customLong("remote-write.basic-auth.username"), help: ArgumentHelp("Basic-auth user for the receiver.", valueName: "user"))
    var basicAuthUsername: String?

    @Option(
        name: .customLong("remote-write.basic-auth.password-file"),
        help: ArgumentHelp("File holding the basic-auth password.", valueName: "path"))
    var basicAuthPasswordFile: String?

    @Option(
        name: .customLong("remote-write.ca-file"),
        help: ArgumentHelp("PEM file of the CA certificates to trust for an https receiver, instead of the system's.", valueName: "path"))
    var caFile: String?

    @Option(
        name: .customLong("remote-write.header"),
        help: ArgumentHelp(
            "Extra request header, NAME=VALUE; repeatable (Mimir and Cortex tenants: X-Scope-OrgID=TENANT).", valueName: "name=value"))
    var headers: [String] = []

    @Option(name: .customLong("remote-write.concurrency"), help: ArgumentHelp("Requests in flight at once (1 to 64).", valueName: "n"))
    var concurrency = RemoteWriteOptions.defaults.concurrency

    @Option(
        name: .customLong("remote-write.max-samples-per-send"),
        help: ArgumentHelp("Most samples in one request (100 to 1000000).", valueName: "n"))
    var maxSamplesPerSend = RemoteWriteOptions.defaults.maxSamplesPerSend

    @Option(
        name: .customLong("remote-write.timeout"),
        help: ArgumentHelp("Deadline for one request, connect to answer (1s to 10m).", valueName: "duration"))
    var timeout = RemoteWriteOptions.defaults.timeout

    var options: RemoteWriteOptions {
        var options = RemoteWriteOptions()
        options.url = url
        options.bearerTokenFile = bearerTokenFile
        options.basicAuthUsername = basicAuthUsername
        options.basicAuthPasswordFile = basicAuthPasswordFile
        options.caFile = caFile
        options.headers = headers
        options.concurrency = concurrency
        options.maxSamplesPerSend = maxSamplesPerSend
        options.timeout = timeout
        return options
    }
}
