import Foundation
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

@testable import PaygoExporter

/// The event-loop fast path for `/metrics`: which requests it answers, that it never overtakes
/// an answer the router still owes, and that its answers are the router's, byte for byte.
@Suite struct MetricsFastPathTests {
    private static let scrape = HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/metrics")

    // MARK: The state machine

    @Test func eligibleRequestIsHeldUntilItsEndThenAnswered() {
        var state = MetricsFastPath()
        #expect(state.readHead(Self.scrape, .eligible) == .hold)
        #expect(state.readEnd() == .answer(Self.scrape))
        #expect(state.requestsWithRouter == 0)
    }

    @Test func scrapeBehindARouterAnswerGoesToTheRouterToo() {
        var state = MetricsFastPath()
        let landing = HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/")
        #expect(state.readHead(landing, .notEligible) == .forward)
        #expect(state.readEnd() == .forward)
        // Pipelined while the landing page is being answered: answering it now would overtake.
        #expect(state.readHead(Self.scrape, .eligible) == .forward)
        #expect(state.readEnd() == .forward)
        #expect(state.requestsWithRouter == 2)
        state.routerWroteEnd()
        state.routerWroteEnd()
        #expect(state.readHead(Self.scrape, .eligible) == .hold)
        #expect(state.readEnd() == .answer(Self.scrape))
    }

    @Test func handedBackRequestHoldsOffTheNextOne() {
        var state = MetricsFastPath()
        #expect(state.readHead(Self.scrape, .eligible) == .hold)
        #expect(state.readEnd() == .answer(Self.scrape))
        state.handBack()
        #expect(state.readHead(Self.scrape, .eligible) == .forward)
        #expect(state.readEnd() == .forward)
        state.routerWroteEnd()
        state.routerWroteEnd()
        #expect(state.requestsWithRouter == 0)
    }

    @Test func forwardedRequestBodyIsForwarded() {
        var state = MetricsFastPath()
        let post = HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/metrics")
        #expect(state.readHead(post, .notEligible) == .forward)
        #expect(state.readBody() == .forward)
        #expect(state.readEnd() == .forward)
    }

    // MARK: The handler, on an embedded channel

    private struct Fixture {
        let channel: EmbeddedChannel
        let endpoint: MetricsEndpoint

        init(authenticator: BasicAuthenticator? = nil) throws {
            let store = SnapshotStore(accounts: [try #require(AccountID("0123456789abcdef0123456789abcdef"))])
            endpoint = MetricsEndpoint(cache: ExpositionCache(store: store), openMetricsEnabled: true)
            channel = EmbeddedChannel(
                handler: MetricsFastPathHandler(
                    configuration: .init(
                        telemetryPath: "/metrics", endpoint: endpoint, authenticator: authenticator,
                        extraHeaders: [(name: "X-Frame-Options", value: "deny")])))
        }

        /// Sends a request; returns the parts that went on to the router.
        func send(_ request: HTTPRequest) throws -> [HTTPRequestPart] {
            try channel.writeInbound(HTTPRequestPart.head(request))
            try channel.writeInbound(HTTPRequestPart.end(nil))
            var forwarded: [HTTPRequestPart] = []
            while let part = try channel.readInbound(as: HTTPRequestPart.self) { forwarded.append(part) }
            return forwarded
        }

        /// What the handler wrote itself.
        func answer() throws -> (head: HTTPResponse?, body: ByteBuffer, ended: Bool) {
            var head: HTTPResponse?
            var body = ByteBuffer()
            var ended = false
            while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
                switch part {
                case .head(let response): head = response
                case .body(var buffer): body.writeBuffer(&buffer)
                case .end: ended = true
                }
            }
            return (head, body, ended)
        }
    }

    @Test func coldCacheGoesToTheRouterWarmCacheIsAnsweredOnTheLoop() throws {
        let fixture = try Fixture()
        // Nothing built yet: the router builds (and the event loop never renders).
        #expect(try fixture.send(Self.scrape).count == 2)
        #expect(try fixture.answer().head == nil)
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))  // the router's answer ends
        _ = try fixture.answer()

        let built = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)
        #expect(try fixture.send(Self.scrape).isEmpty, "answered without the router")
        let answer = try fixture.answer()
        let head = try #require(answer.head)
        #expect(head.status == .ok)
        #expect(answer.ended)
        #expect(head.headerFields[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(head.headerFields[.vary] == "Accept, Accept-Encoding")
        #expect(head.headerFields[.contentLength] == String(answer.body.readableBytes))
        #expect(head.headerFields[.xFrameOptions] == "deny")
        #expect(head.headerFields[.date]?.hasSuffix(" GMT") == true)
        #expect(answer.body == ByteBuffer(buffers: built.body), "the same bytes the router sends")
    }

    @Test func gzipAndOpenMetricsAreAnsweredFromTheirOwnCachedBodies() throws {
        let fixture = try Fixture()
        var request = Self.scrape
        request.headerFields[.acceptEncoding] = "gzip"
        request.headerFields[.accept] = "application/openmetrics-text;version=1.0.0"
        #expect(try fixture.send(request).count == 2, "gzip OpenMetrics body not built yet")
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try fixture.answer()
        let built = fixture.endpoint.answer(accept: request.headerFields[.accept], acceptEncoding: "gzip")
        #expect(try fixture.send(request).isEmpty)
        let answer = try fixture.answer()
        #expect(answer.head?.headerFields[.contentEncoding] == "gzip")
        #expect(answer.head?.headerFields[.contentType]?.hasPrefix("application/openmetrics-text") == true)
        #expect(answer.body == ByteBuffer(buffers: built.body))
        // The plain text body was never built: that scrape goes to the router.
        #expect(try fixture.send(Self.scrape).count == 2)
    }

    @Test(arguments: [
        HTTPRequest(method: .head, scheme: "http", authority: "x", path: "/metrics"),
        HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/metrics"),
        HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/metrics?collect=1"),
        HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/"),
        HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/metrics", headerFields: [.contentLength: "5"]),
        HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/metrics", headerFields: [.transferEncoding: "chunked"]),
    ])
    func everythingButAPlainScrapeGoesToTheRouter(request: HTTPRequest) throws {
        let fixture = try Fixture()
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)  // warm
        #expect(try fixture.send(request).count == 2)
        #expect(try fixture.answer().head == nil)
    }

    @Test func credentialsAreAnsweredOnTheLoopOnlyOnceTheRouterHasCheckedThem() async throws {
        let authenticator = BasicAuthenticator(users: ["alice": WebConfigurationTests.aliceHash])
        let fixture = try Fixture(authenticator: authenticator)
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)
        var request = Self.scrape
        request.headerFields[.authorization] = "Basic " + Data("alice:\(WebConfigurationTests.alicePassword)".utf8).base64EncodedString()
        #expect(try fixture.send(request).count == 2, "never checked: the router runs bcrypt, off the event loop")
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try fixture.answer()
        #expect(await authenticator.authorize(request.headerFields[.authorization]) == .authorized)
        // A slow bcrypt check (a loaded machine) can outlast the body's second.
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)
        #expect(try fixture.send(request).isEmpty, "known good credentials")
        #expect(try fixture.answer().head?.status == .ok)

        var wrong = Self.scrape
        wrong.headerFields[.authorization] = "Basic " + Data("alice:nope".utf8).base64EncodedString()
        #expect(await authenticator.authorize(wrong.headerFields[.authorization]) == .denied)
        #expect(try fixture.send(wrong).count == 2, "known bad credentials get the router's 401")
        var anonymous = Self.scrape
        anonymous.headerFields[.authorization] = nil
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))
        #expect(try fixture.send(anonymous).count == 2)
    }

    @Test func unwritableConnectionIsLeftToTheRoutersBackpressure() throws {
        let fixture = try Fixture()
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)
        fixture.channel.isWritable = false
        #expect(try fixture.send(Self.scrape).count == 2, "a client not reading its answers gets no more queued")
        #expect(try fixture.send(Self.scrape).count == 2, "and the next scrape waits behind the router's answer")
        fixture.channel.isWritable = true
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))
        try fixture.channel.writeOutbound(HTTPResponsePart.end(nil))
        _ = try fixture.answer()
        #expect(try fixture.send(Self.scrape).isEmpty)
    }

    @Test func repeatedNegotiationFieldsGoToTheRouter() throws {
        let fixture = try Fixture()
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: "gzip")
        var request = Self.scrape
        request.headerFields.append(HTTPField(name: .acceptEncoding, value: "gzip"))
        request.headerFields.append(HTTPField(name: .acceptEncoding, value: "identity"))
        #expect(try fixture.send(request).count == 2, "the router joins repeated fields")
    }

    @Test func eachScrapeOnAConnectionIsNegotiatedOnItsOwnHeaders() throws {
        let fixture = try Fixture()
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: "gzip")
        _ = fixture.endpoint.answer(accept: nil, acceptEncoding: nil)
        var gzip = Self.scrape
        gzip.headerFields[.acceptEncoding] = "gzip"
        var openMetrics = Self.scrape
        openMetrics.headerFields[.accept] = "application/openmetrics-text;version=1.0.0"
        _ = fixture.endpoint.answer(accept: openMetrics.headerFields[.accept], acceptEncoding: nil)
        // The handler remembers the last negotiation; a change of headers must not reuse it.
        for (request, encoding, format) in [
            (gzip, "gzip", "text/plain"), (Self.scrape, nil, "text/plain"), (gzip, "gzip", "text/plain"),
            (openMetrics, nil, "application/openmetrics-text"), (Self.scrape, nil, "text/plain"),
        ] {
            #expect(try fixture.send(request).isEmpty)
            let head = try #require(try fixture.answer().head)
            #expect(head.headerFields[.contentEncoding] == encoding)
            #expect(head.headerFields[.contentType]?.hasPrefix(format) == true)
        }
    }

    @Test func aConnectionHoldsAWholeCachedBodyWithoutTurningUnwritable() throws {
        // NIO's default high watermark (64 KiB) is below an 80 KB gzip body: every cached
        // scrape would then make the channel unwritable and its flush writable again.
        let channel = EmbeddedChannel()
        // NIO's defaults, as a socket channel starts with them.
        try channel.setOption(ChannelOptions.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024)).wait()
        let builder = ExporterHTTP1Channel(
            responder: { _, _, _ in }, configuration: .init(),
            fastPath: .init(telemetryPath: "/metrics", endpoint: try Fixture().endpoint, authenticator: nil, extraHeaders: []))
        _ = try builder.setup(channel: channel, logger: Logger(label: "test")).wait()
        let waterMark = try channel.getOption(ChannelOptions.writeBufferWaterMark).wait()
        // The largest body sent in one buffer, with room for its process_* tail.
        #expect(waterMark.low > MetricsEndpoint.largestJoinedBody + 16 * 1024)
        #expect(waterMark.high > waterMark.low)
    }

    @Test func dateHeaderIsAnIMFFixdate() {
        // RFC 9110's own example.
        #expect(HTTPDate.format(unixSeconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(unixSeconds: 1_795_392_000) == "Mon, 23 Nov 2026 00:00:00 GMT")
    }

    // MARK: Over loopback

    @Test func pipelinedRequestsAreAnsweredInOrderAndScrapesMatch() async throws {
        try await RunningExporter.with(DemoExporterConfiguration.make()) { exporter in
            let port = try #require(URL(string: exporter.baseURL)?.port)
            _ = try await exporter.scrape()  // builds the body: the next scrapes may take the fast path
            let connection = try RawHTTPConnection(port: port)
            connection.send(
                "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /-/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let answer = await connection.receiveAll()
            // Each answer is "HTTP/1.1 ...", headers, a blank line and a body without CRLFs.
            let answers = answer.components(separatedBy: "HTTP/1.1 ").dropFirst()
            #expect(
                answers.map { $0.components(separatedBy: "\r\n").first ?? "" } == Array(repeating: "200 OK", count: 4),
                "\(answer.prefix(300))")
            let bodies = answers.map { $0.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
            #expect(bodies.count == 4)
            #expect(bodies[0].hasPrefix("# HELP cloudflare_paygo_"))
            #expect(bodies[1] == "Healthy.\n")
            // The process_* tail and the connection families are read at most once a second, so
            // only the usage part must match.
            func usage(_ body: String) -> [Substring] {
                body.split(separator: "\n").filter { !$0.contains("process_") && !$0.contains("cloudflare_paygo_web_") }
            }
            #expect(usage(bodies[2]) == usage(bodies[0]), "the fast path and the router send the same families")
            #expect(bodies[3] == "Ready.\n")
        }
    }
}

extension ByteBuffer {
    fileprivate init(buffers: [ByteBuffer]) {
        self.init()
        for var buffer in buffers { writeBuffer(&buffer) }
    }
}

extension HTTPField.Name {
    fileprivate static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
