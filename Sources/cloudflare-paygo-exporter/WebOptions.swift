import ArgumentParser
import PaygoExporter

/// The `--web.*` flags of the serving command.
struct WebOptions: ParsableArguments {
    @Option(
        name: .customLong("web.listen-address"), help: "Address to listen on: host:port, :port for every interface, [::1]:port for IPv6.")
    var listenAddress = CommandLineOptions.defaults.listenAddress

    @Option(name: .customLong("web.telemetry-path"), help: "Path under which to serve metrics.")
    var telemetryPath = CommandLineOptions.defaults.telemetryPath

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp("Prometheus exporter-toolkit web configuration (YAML): TLS, basic auth users, extra headers.", valueName: "path")
    )
    var webConfigFile: String?

    @Option(
        name: .customLong("web.max-requests"),
        help:
            "Concurrent scrapes that build their answer; more get 503. A body built in the last second is sent without a slot. 0 means no limit."
    )
    var maxRequests = CommandLineOptions.defaults.maxRequests

    @Option(
        name: .customLong("web.max-connections"),
        help:
            "Open connections allowed, 1 to 65536. At the cap a new connection takes the place of the one idle longest; it is closed only when every connection is busy. Lowered at start to fit the limit on open files."
    )
    var maxConnections = CommandLineOptions.defaults.maxConnections

    @Flag(
        name: .customLong("web.disable-openmetrics"),
        help: "Always answer in the Prometheus text format 0.0.4, even to scrapers that ask for OpenMetrics.")
    var disableOpenMetrics = false

    func apply(to options: inout CommandLineOptions) {
        options.listenAddress = listenAddress
        options.telemetryPath = telemetryPath
        options.webConfigFile = webConfigFile
        options.maxRequests = maxRequests
        options.maxConnections = maxConnections
        options.disableOpenMetrics = disableOpenMetrics
    }
}
