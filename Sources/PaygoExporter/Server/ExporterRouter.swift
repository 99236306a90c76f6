import Hummingbird
import Logging
import NIOCore

/// The exporter's HTTP surface: `/metrics` (or the configured path), `/`, `/accounts/<id>`,
/// `/-/healthy` and `/-/ready`. Everything else is 404.
public struct ExporterRouter: Sendable {
    let store: SnapshotStore
    let telemetryPath: String
    let demo: Bool
    let settings: WebServerSettings
    private let limiter: InFlightLimiter
    /// Shared with the event-loop fast path (`MetricsFastPathHandler`), as is its cache of checked credentials.
    let endpoint: MetricsEndpoint
    let authenticator: BasicAuthenticator?
    let extraHeaders: ExtraHeaders
    private let landingPage: LandingPageEndpoint

    /// With the users and headers of `settings`, fixed for the router's life.
    /// - Parameter budgets: what the landing page compares spend with; nil when none are set.
    public init(
        store: SnapshotStore, cache: ExpositionCache, telemetryPath: String, demo: Bool, settings: WebServerSettings,
        budgets: BudgetBook? = nil
    ) {
        self.init(
            store: store, cache: cache, telemetryPath: telemetryPath, demo: demo, settings: settings,
            authenticator: settings.basicAuthUsers.isEmpty ? nil : BasicAuthenticator(users: settings.basicAuthUsers),
            extraHeaders: ExtraHeaders(settings.extraHeaders), budgets: budgets)
    }

    /// With users and headers that a reload of the web config can change.
    init(
        store: SnapshotStore, cache: ExpositionCache, telemetryPath: String, demo: Bool, settings: WebServerSettings,
        authenticator: BasicAuthenticator?, extraHeaders: ExtraHeaders, serverSources: [any MetricSource] = [],
        budgets: BudgetBook? = nil
    ) {
        self.store = store
        self.telemetryPath = telemetryPath
        self.demo = demo
        self.settings = settings
        limiter = InFlightLimiter(limit: settings.maxRequests)
        endpoint = MetricsEndpoint(cache: cache, openMetricsEnabled: settings.openMetrics, serverSources: serverSources)
        self.authenticator = authenticator
        self.extraHeaders = extraHeaders
        landingPage = LandingPageEndpoint(store: store, budgets: budgets, telemetryPath: telemetryPath, demo: demo)
    }

    public func build() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: HTTPPolicyMiddleware(authenticator: authenticator, extraHeaders: extraHeaders))
        router.add(middleware: TelemetryPathMiddleware(path: telemetryPath) { request in await limitedMetrics(request) })
        // HEAD answers like GET; the middleware drops the body.
        func route(_ path: String, _ handler: @escaping @Sendable (Request) async -> Response) {
            router.get(RouterPath(path)) { request, _ in await handler(request) }
            router.on(RouterPath(path), method: .head) { request, _ in await handler(request) }
        }
        let landingPage = landingPage
        route("/") { request in landingPage.summary(request) }
        router.get("/accounts/:id") { _, context in landingPage.account(context.parameters.get("id")) }
        router.on("/accounts/:id", method: .head) { _, context in landingPage.account(context.parameters.get("id")) }
        route("/-/healthy") { _ in plainText(.ok, "Healthy.\n") }
        route("/-/ready") { _ in
            store.everyAccountTried
                ? plainText(.ok, "Ready.\n")
                : plainText(.serviceUnavailable, "Not ready: not every account has been refreshed once yet.\n")
        }
        return router
    }

    private func limitedMetrics(_ request: Request) async -> Response {
        await limiter.withSlot { metrics(request) }
            ?? HTTPPolicyMiddleware<BasicRequestContext>.plain(
                .serviceUnavailable, "Too many concurrent scrapes (--web.max-requests=\(settings.maxRequests)); try again.\n")
    }

    func metrics(_ request: Request) -> Response {
        let answer = endpoint.answer(accept: request.headers[.accept], acceptEncoding: request.headers[.acceptEncoding])
        let body = answer.body.count == 1 ? ResponseBody(byteBuffer: answer.body[0]) : ResponseBody(contentsOf: answer.body)
        return Response(status: .ok, headers: answer.headers, body: body)
    }

    private func plainText(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
