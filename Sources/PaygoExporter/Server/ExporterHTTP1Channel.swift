import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1.1 child channel with `MetricsFastPathHandler` in its pipeline.
///
/// The pipeline is Hummingbird's `HTTP1Channel` pipeline, handler for handler, with three more
/// (`ExporterHTTP1ChannelTests` holds the two to each other):
/// - `DrainingCloseHandler` first (after TLS), so that no close drops an answer still queued;
/// - `HTTP1KeepAliveHandler` between NIO's HTTP/1 codec and `HTTP1ToHTTPServerCodec`, the last
///   place that knows the request's version and every `Connection` token;
/// - `MetricsFastPathHandler` after the connection state handler: `.http1()` only lets handlers
///   in before that one, where answers written by the fast path would be invisible to idle
///   timeouts and graceful shutdown.
struct ExporterHTTP1Channel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: Responder
    let configuration: HTTP1Channel.Configuration
    let fastPath: MetricsFastPathHandler.Configuration

    /// An HTTP/1.1 server (to wrap in `.tls(...)` when TLS is on).
    static func builder(configuration: HTTP1Channel.Configuration, fastPath: MetricsFastPathHandler.Configuration) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            ExporterHTTP1Channel(responder: responder, configuration: configuration, fastPath: fastPath)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            try channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: Self.writeBufferWaterMark)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(DrainingCloseHandler(stallTimeout: configuration.idleTimeout ?? Self.defaultStallTimeout))
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // NIOAsyncChannel answers in order
                withErrorHandling: false,  // Hummingbird answers errors
                withOutboundHeaderValidation: false,  // Swift HTTP Types validate
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: limits)
            try pipeline.addHandler(HTTP1KeepAliveHandler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandlers(configuration.additionalChannelHandlers())
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { Duration($0) }, logger: logger))
            try pipeline.addHandler(MetricsFastPathHandler(configuration: fastPath))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    /// How long an answer may stand still while a close waits for it, without an idle timeout.
    static let defaultStallTimeout: TimeAmount = .seconds(60)

    /// Above the largest body the exporter sends in one buffer (`MetricsEndpoint.largestJoinedBody`
    /// and its tail). With NIO's default of 64 KiB, queueing an 80 KB gzip scrape made the channel
    /// unwritable and its flush writable again, every time: two passes of the writability event
    /// through the pipeline and the async writer's lock, a sixth of the exporter's user-space time
    /// per cached scrape. A scrape queues the shared cached buffers, not copies of them, so the
    /// higher bound costs no memory.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(
        low: MetricsEndpoint.largestJoinedBody + 64 * 1024, high: 2 * MetricsEndpoint.largestJoinedBody)

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
