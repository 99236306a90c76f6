import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import PaygoExporter

/// `ExporterHTTP1Channel` copies Hummingbird's `HTTP1Channel.setup` handler for handler: this
/// fails when a Hummingbird release changes its pipeline, so the copy is brought up to date.
@Suite struct ExporterHTTP1ChannelTests {
    /// Ours beyond Hummingbird's, and (the start of the type of) the handler each follows.
    static let extraHandlers: [(handler: String, after: String?)] = [
        ("DrainingCloseHandler", nil),
        ("HTTP1KeepAliveHandler", "ByteToMessageHandler<HTTPDecoder<HTTPPart<HTTPRequestHead"),
        ("MetricsFastPathHandler", "HTTPConnectionStateHandler"),
    ]

    @Test func pipelineIsHummingbirdsWithTheDocumentedExtras() throws {
        let configuration = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadDeadlineHandler(deadline: .seconds(10))], idleTimeout: .seconds(60))
        let theirs = EmbeddedChannel()
        _ = try HTTP1Channel(responder: { _, _, _ in }, configuration: configuration).setup(channel: theirs, logger: Logger(label: "test"))
            .wait()
        let ours = EmbeddedChannel()
        let store = SnapshotStore(accounts: [])
        let fastPath = MetricsFastPathHandler.Configuration(
            telemetryPath: "/metrics", endpoint: MetricsEndpoint(cache: ExpositionCache(store: store), openMetricsEnabled: true),
            authenticator: nil, extraHeaders: [])
        _ = try ExporterHTTP1Channel(responder: { _, _, _ in }, configuration: configuration, fastPath: fastPath)
            .setup(channel: ours, logger: Logger(label: "test")).wait()

        let hummingbird = Self.handlerTypes(theirs.pipeline)
        let exporter = Self.handlerTypes(ours.pipeline)
        try #require(hummingbird.count >= 6, "read the pipeline: \(theirs.pipeline.debugDescription)")
        let extras = Set(Self.extraHandlers.map(\.handler))
        #expect(
            exporter.filter { !extras.contains($0) } == hummingbird,
            "Hummingbird's HTTP1Channel.setup changed: bring ExporterHTTP1Channel.setup up to date")
        for (handler, after) in Self.extraHandlers {
            let index = try #require(exporter.firstIndex(of: handler), "\(handler) missing from \(exporter)")
            if let after {
                #expect(index > 0 && exporter[index - 1].hasPrefix(after), "\(handler) follows \(after): \(exporter)")
            } else {
                #expect(index == 0, "\(handler) comes first: \(exporter)")
            }
        }
    }

    /// The handler types, head to tail, from the pipeline's description: each line names a
    /// handler's type (twice for a duplex one) and ends with its name in brackets.
    static func handlerTypes(_ pipeline: ChannelPipeline) -> [String] {
        pipeline.debugDescription.split(separator: "\n").dropFirst(2).compactMap { line in
            guard let bracket = line.lastIndex(of: "[") else { return nil }
            return line[..<bracket].components(separatedBy: "↓↑")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .first { !$0.isEmpty }
        }
    }
}
