import NIOCore
import PrometheusExposition
import Synchronization

/// The `cloudflare_paygo_*` part of the body, rendered only when a snapshot changed.
///
/// Each account's lines are rendered once per change of that account and kept; the body is
/// their concatenation under each family's header, rebuilt at most once per change however
/// many scrapes come. A scrape that finds nothing changed costs two counter reads.
public final class ExpositionCache: Sendable {
    private struct State {
        var accounts: [AccountID: (generation: UInt64, exposition: AccountExposition)] = [:]
        /// Per format, the body and the store and budget generations it was built from.
        var bodies: [ExpositionFormat: Body] = [:]
        var renders: UInt64 = 0
    }

    private struct BuiltFrom: Equatable {
        var store: UInt64
        var budgets: UInt64
    }

    private struct Body {
        let built: BuiltFrom
        let body: RenderedUsage
    }

    private let store: SnapshotStore
    private let budgets: BudgetBook?
    private let state = Mutex(State())
    /// Families fixed for the life of the process: build info and the refresh schedule.
    private let fixedFamilies: [(MetricDescriptor, [UInt8])]

    /// - Parameters:
    ///   - schedule: the refresh plan, exposed so users see the effective interval; nil for `once`.
    ///   - rateLimit: the token's request budget; nil when nothing limits requests (demo).
    public init(store: SnapshotStore, budgets: BudgetBook? = nil, schedule: RefreshSchedule? = nil, rateLimit: RequestRate? = nil) {
        self.store = store
        self.budgets = budgets
        func family(_ descriptor: MetricDescriptor, _ labels: [Label], _ value: Double) -> (MetricDescriptor, [UInt8]) {
            var sample: [UInt8] = []
            TextFormat.appendSample(name: descriptor.name, labels: labels, value: value, to: &sample)
            return (descriptor, sample)
        }
        var fixed = [family(
            MetricCatalog.buildInfo,
            [Label("revision", BuildInfo.revision), Label("swiftversion", BuildInfo.swiftVersion), Label("version", BuildInfo.version)],
            1)]
        if let schedule {
            fixed.append(family(MetricCatalog.refreshInterval, [], schedule.effectiveInterval.seconds))
            fixed.append(family(MetricCatalog.configuredRefreshInterval, [], schedule.configuredInterval.seconds))
        }
        if let rateLimit {
            fixed.append(family(MetricCatalog.rateLimit, [], rateLimit.requestsPerSecond))
        }
        fixedFamilies = fixed
    }

    /// The current body of every `cloudflare_paygo_*` family in `format`.
    public func body(_ format: ExpositionFormat = .prometheusText) -> RenderedUsage {
        let budgetState = budgets?.current ?? (generation: 0, budgets: [])
        return state.withLock { state in
            if let current = current(format, in: state, budgetGeneration: budgetState.generation) {
                return current
            }
            // The old body goes first, so the peak is one body, not two (scrapes still being
            // sent hold their own reference).
            state.bodies[format] = nil
            let (generation, entries) = store.versionedEntries()
            var expositions: [AccountExposition] = []
            expositions.reserveCapacity(entries.count)
            for entry in entries {
                if let cached = state.accounts[entry.snapshot.account], cached.generation == entry.generation {
                    expositions.append(cached.exposition)
                } else {
                    let exposition = AccountExposition(entry.snapshot)
                    state.accounts[entry.snapshot.account] = (entry.generation, exposition)
                    expositions.append(exposition)
                }
            }
            state.renders += 1
            let bytes = assemble(&expositions, standalone: standaloneFamilies(budgetState.budgets), format: format)
            for (entry, exposition) in zip(entries, expositions) {
                state.accounts[entry.snapshot.account]?.exposition = exposition
            }
            let body = RenderedUsage(version: state.renders, bytes: bytes)
            state.bodies[format] = Body(built: BuiltFrom(store: generation, budgets: budgetState.generation), body: body)
            return body
        }
    }

    /// The body in `format` if one is built and still current; nil when building it is due.
    /// Costs two generation reads and a lock, so an event loop can ask.
    func currentBody(_ format: ExpositionFormat) -> RenderedUsage? {
        let budgetGeneration = budgets?.current.generation ?? 0
        return state.withLock { current(format, in: $0, budgetGeneration: budgetGeneration) }
    }

    private func current(_ format: ExpositionFormat, in state: State, budgetGeneration: UInt64) -> RenderedUsage? {
        guard let cached = state.bodies[format], cached.built == BuiltFrom(store: store.generation, budgets: budgetGeneration) else {
            return nil
        }
        return cached.body
    }

    /// Families that belong to no account's snapshot: the fixed ones and the configured budgets.
    private func standaloneFamilies(_ budgets: [Budget]) -> [(MetricDescriptor, [UInt8])] {
        var families = fixedFamilies
        guard !budgets.isEmpty else { return families }
        var amounts: [UInt8] = [], ratios: [UInt8] = []
        for budget in budgets.sorted(by: { ($0.account, $0.currency) < ($1.account, $1.currency) }) {
            let labels = [Label("account_id", budget.account.rawValue), Label("currency", budget.currency)]
            TextFormat.appendSample(name: MetricCatalog.budget.name, labels: labels, value: budget.amount, to: &amounts)
            TextFormat.appendSample(name: MetricCatalog.budgetWarnRatio.name, labels: labels, value: budget.warnRatio, to: &ratios)
        }
        families.append((MetricCatalog.budget, amounts))
        families.append((MetricCatalog.budgetWarnRatio, ratios))
        return families
    }

    /// Joins the families into one buffer and turns every account fragment into a slice of it,
    /// so an unchanged account's lines are not kept a second time beside the body.
    private func assemble(_ expositions: inout [AccountExposition], standalone: [(MetricDescriptor, [UInt8])], format: ExpositionFormat) -> ByteBuffer {
        enum Source { case accounts(Int), fixed([UInt8]) }
        let families = (MetricCatalog.accountFamilies.enumerated().map { ($1, Source.accounts($0)) } + standalone.map { ($0, Source.fixed($1)) })
            .sorted { $0.0.name.utf8.lexicographicallyPrecedes($1.0.name.utf8) }
        // Written straight into the buffer that is served, sized up front: a body of many
        // accounts runs to megabytes, and a second copy would double the peak.
        let headerRoom = families.count * 512
        var body = ByteBufferAllocator().buffer(capacity: expositions.reduce(headerRoom) { total, exposition in
            exposition.fragments.reduce(total) { $0 + $1.readableBytes }
        })
        var offsets = Array(repeating: [Int](repeating: 0, count: MetricCatalog.accountFamilies.count), count: expositions.count)
        var header: [UInt8] = []
        for (descriptor, source) in families {
            switch source {
            case .accounts(let family):
                guard expositions.contains(where: { $0.fragments[family].readableBytes > 0 }) else { continue }
                header.removeAll(keepingCapacity: true)
                format.appendHeader(descriptor, to: &header)
                body.writeBytes(header)
                for (account, exposition) in expositions.enumerated() {
                    offsets[account][family] = body.writerIndex
                    body.writeImmutableBuffer(exposition.fragments[family])
                }
            case .fixed(let samples):
                header.removeAll(keepingCapacity: true)
                format.appendHeader(descriptor, to: &header)
                body.writeBytes(header)
                body.writeBytes(samples)
            }
        }
        for account in expositions.indices {
            for family in expositions[account].fragments.indices {
                let length = expositions[account].fragments[family].readableBytes
                expositions[account].fragments[family] = length == 0
                    ? ByteBuffer()
                    : body.getSlice(at: offsets[account][family], length: length) ?? expositions[account].fragments[family]
            }
        }
        return body
    }
}
