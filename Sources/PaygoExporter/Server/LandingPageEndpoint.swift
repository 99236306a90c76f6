import Hummingbird
import NIOCore
import Synchronization

/// Answers `/` and `/accounts/<id>`: reads the store and the budgets, renders through
/// `LandingPage`, and keeps each rendered page until a snapshot or the budgets change, so a
/// page left open and reloaded, or many people opening it, costs one render per change.
final class LandingPageEndpoint: Sendable {
    private let store: SnapshotStore
    private let budgets: BudgetBook?
    private let page: LandingPage

    private struct Rendered: Sendable {
        var store: UInt64
        var budgets: UInt64
        var body: ByteBuffer
    }

    /// Pages kept: every sort and page of the summary and the account pages opened lately.
    /// When full, all are dropped; a crawler walking 1,000 account pages cannot grow it.
    static let maxCachedPages = 64
    private let cache = Mutex<[String: Rendered]>([:])

    init(store: SnapshotStore, budgets: BudgetBook?, telemetryPath: String, demo: Bool) {
        self.store = store
        self.budgets = budgets
        page = LandingPage(telemetryPath: telemetryPath, demo: demo)
    }

    /// `/?sort=cost|name|state&page=N`; any other value of either is 400, and the answer never
    /// quotes it.
    func summary(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        let sorts = query.getAll("sort"), pages = query.getAll("page")
        var order = SummaryOrder.default
        if let sort = sorts.first {
            guard sorts.count == 1, let known = SummaryOrder(rawValue: sort) else {
                return Self.plain(.badRequest, "Unknown sort: use sort=cost, sort=name or sort=state.\n")
            }
            order = known
        }
        var number = 1
        if let text = pages.first {
            // At most six digits: no page count comes near, and Int() never sees a huge number.
            guard pages.count == 1, text.utf8.count <= 6, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let parsed = Int(text),
                parsed >= 1
            else {
                return Self.plain(.badRequest, "The page must be a whole number from 1.\n")
            }
            number = parsed
        }
        let rendered = cached("summary/\(order.rawValue)/\(number)") { entries, budgets in
            let budgetsByAccount = Dictionary(grouping: budgets, by: \.account)
            let figures = entries.map { AccountFigures($0.snapshot, budgets: budgetsByAccount[$0.snapshot.account] ?? []) }
            return page.summary(figures, order: order, page: number)
        }
        guard let rendered else { return Self.plain(.notFound, "No such page of the account list.\n") }
        return Self.html(rendered)
    }

    /// `/accounts/<id>`: 404 for a malformed id or an account the exporter does not watch,
    /// without quoting what was asked.
    func account(_ text: String?) -> Response {
        guard let text, let account = AccountID(text), store.accounts.contains(account) else {
            return Self.plain(.notFound, "No such account: account pages are /accounts/ and a watched 32-character account id.\n")
        }
        let rendered = cached("account/\(account.rawValue)") { entries, budgets in
            guard let entry = entries.first(where: { $0.snapshot.account == account }) else { return nil }
            return page.accountPage(AccountFigures(entry.snapshot, budgets: budgets.filter { $0.account == account }))
        }
        guard let rendered else { return Self.plain(.notFound, "No such account.\n") }
        return Self.html(rendered)
    }

    /// The page under `key`, rendered again only when the store or the budgets changed since.
    private func cached(_ key: String, render: ([SnapshotStore.Entry], [Budget]) -> String?) -> ByteBuffer? {
        let budgetState = budgets?.current ?? (generation: 0, value: [])
        let storeGeneration = store.generation
        if let hit = cache.withLock({ $0[key] }), hit.store == storeGeneration, hit.budgets == budgetState.generation {
            return hit.body
        }
        // Rendered outside the lock: a slow render never holds up another page's answer.
        let (generation, entries) = store.versionedEntries()
        guard let text = render(entries, budgetState.value) else { return nil }
        let body = ByteBuffer(string: text)
        cache.withLock { cache in
            if cache.count >= Self.maxCachedPages, cache[key] == nil { cache.removeAll(keepingCapacity: true) }
            cache[key] = Rendered(store: generation, budgets: budgetState.generation, body: body)
        }
        return body
    }

    private static func html(_ body: ByteBuffer) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: ResponseBody(byteBuffer: body))
    }

    private static func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
