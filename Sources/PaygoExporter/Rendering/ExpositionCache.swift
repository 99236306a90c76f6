import NIOCore
import PrometheusExposition
import Synchronization

/// The `cloudflare_paygo_*` part of the body, rendered only when a snapshot changed.
///
/// Each account's lines are rendered once per change of that account, straight into the body,
/// and kept as slices of it; the next body copies the slices of unchanged accounts and renders
/// only the changed ones. A body is rebuilt at most once per change however many scrapes come,
/// and a scrape that finds nothing changed costs two counter reads.
public final class ExpositionCache: Sendable {
    private struct State {
        /// Per account, its lines in each of `MetricCatalog.accountFamilies`, as slices of the
        /// last body built, and the snapshot generation they show.
        var accounts: [AccountID: (generation: UInt64, fragments: [ByteBuffer])] = [:]
        /// Per format, the body and the store and budget generations it was built from.
        var bodies: [ExpositionFormat: Body] = [:]
        var renders: UInt64 = 0
    }

    private struct BuiltFrom: Equatable {
        var store: UInt64
        var budgets: UInt64
        var standalone: [UInt64]
    }

    private struct Body {
        let built: BuiltFrom
        let body: RenderedUsage
    }

    private let store: SnapshotStore
    private let budgets: BudgetBook?
    private let standaloneSources: [any StandaloneMetricSource]
    private let state = Mutex(State())
    /// Families fixed for the life of the process: build info.
    private let fixedFamilies: [(MetricDescriptor, [UInt8])]

    /// - Parameters:
    ///   - standaloneSources: families that change without a snapshot changing.
    public init(
        store: SnapshotStore, budgets: BudgetBook? = nil,
        standaloneSources: [any StandaloneMetricSource] = []
    ) {
        self.store = store
        self.budgets = budgets
        self.standaloneSources = standaloneSources
        func family(_ descriptor: MetricDescriptor, _ labels: [Label], _ value: Double) -> (MetricDescriptor, [UInt8]) {
            var sample: [UInt8] = []
            TextFormat.appendSample(name: descriptor.name, labels: labels, value: value, to: &sample)
            return (descriptor, sample)
        }
        fixedFamilies = [
            family(
                MetricCatalog.buildInfo,
                [
                    Label("revision", BuildInfo.revision), Label("swiftversion", BuildInfo.swiftVersion),
                    Label("version", BuildInfo.version),
                ],
                1)
        ]
    }

    /// The current body of every `cloudflare_paygo_*` family in `format`.
    public func body(_ format: ExpositionFormat = .prometheusText) -> RenderedUsage {
        let budgetState = budgets?.current ?? (generation: 0, value: [])
        let standaloneGenerations = standaloneSources.map(\.generation)
        return state.withLock { state in
            if let current = current(format, in: state, budgetGeneration: budgetState.generation, standalone: standaloneGenerations) {
                return current
            }
            // Dropped before the build; unchanged accounts' slices keep its bytes until the new
            // body has copied them, so the peak is the old body and the new one.
            state.bodies[format] = nil
            let (generation, entries) = store.versionedEntries()
            var accounts = entries.map { entry in
                let cached = state.accounts[entry.snapshot.account]
                return (snapshot: entry.snapshot, fragments: cached?.generation == entry.generation ? cached?.fragments : nil)
            }
            state.renders += 1
            let bytes = assemble(&accounts, standalone: standaloneFamilies(budgetState.value), format: format)
            state.accounts = [:]
            for (entry, account) in zip(entries, accounts) {
                state.accounts[entry.snapshot.account] = (entry.generation, account.fragments ?? [])
            }
            let body = RenderedUsage(version: state.renders, bytes: bytes)
            state.bodies[format] = Body(
                built: BuiltFrom(store: generation, budgets: budgetState.generation, standalone: standaloneGenerations), body: body)
            return body
        }
    }

    /// The body in `format` if one is built and still current; nil when building it is due,
    /// and nil while a build holds the lock: an event loop asks, and must never wait for one.
    func currentBody(_ format: ExpositionFormat) -> RenderedUsage? {
        let budgetGeneration = budgets?.current.generation ?? 0
        let standaloneGenerations = standaloneSources.map(\.generation)
        return state.withLockIfAvailable { current(format, in: $0, budgetGeneration: budgetGeneration, standalone: standaloneGenerations) }
            ?? nil
    }

    private func current(_ format: ExpositionFormat, in state: State, budgetGeneration: UInt64, standalone: [UInt64]) -> RenderedUsage? {
        let wanted = BuiltFrom(store: store.generation, budgets: budgetGeneration, standalone: standalone)
        guard let cached = state.bodies[format], cached.built == wanted else {
            return nil
        }
        return cached.body
    }

    /// Families that belong to no account's snapshot: the fixed ones, the standalone sources'
    /// and the configured budgets.
    private func standaloneFamilies(_ budgets: [Budget]) -> [(MetricDescriptor, [UInt8])] {
        var families = fixedFamilies
        for source in standaloneSources {
            for family in source.families() where !family.samples.isEmpty {
                var samples: [UInt8] = []
                for sample in TextFormat.sortedSamples(family.samples) {
                    TextFormat.appendSample(name: family.descriptor.name, labels: sample.labels, value: sample.value, to: &samples)
                }
                families.append((family.descriptor, samples))
            }
        }
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

    /// Writes the body: each family's header, then every account's lines in that family, copied
    /// from `fragments` where an account has them and rendered in place where it does not.
    /// Leaves every account's `fragments` as slices of the new body, so the lines are held once.
    private func assemble(
        _ accounts: inout [(snapshot: AccountSnapshot, fragments: [ByteBuffer]?)],
        standalone: [(MetricDescriptor, [UInt8])], format: ExpositionFormat
    ) -> ByteBuffer {
        enum Source { case accounts(Int, FamilyDeclaration), fixed([UInt8]) }
        let perAccount = MetricCatalog.accountFamilies.enumerated().map { ($1.descriptor, Source.accounts($0, $1)) }
        let families = (perAccount + standalone.map { ($0, Source.fixed($1)) })
            .sorted { $0.0.name.utf8.lexicographicallyPrecedes($1.0.name.utf8) }
        // Sized up front (exactly when nothing changed) so that the buffer that is served is
        // written once; a body of many accounts runs to megabytes.
        let size = accounts.reduce(families.count * 512) { total, account in
            total + (account.fragments?.reduce(0) { $0 + $1.readableBytes } ?? AccountExposition.estimatedBytes(of: account.snapshot))
        }
        var body = ByteBufferAllocator().buffer(capacity: size)
        var ranges = Array(repeating: [Range<Int>](repeating: 0..<0, count: MetricCatalog.accountFamilies.count), count: accounts.count)
        var header: [UInt8] = []
        var rendered: [UInt8] = []
        for (descriptor, source) in families {
            let familyStart = body.writerIndex
            header.removeAll(keepingCapacity: true)
            format.appendHeader(descriptor, to: &header)
            body.writeBytes(header)
            switch source {
            case .accounts(let family, let declaration):
                let samplesStart = body.writerIndex
                for (index, account) in accounts.enumerated() {
                    let start = body.writerIndex
                    if let fragments = account.fragments {
                        body.writeImmutableBuffer(fragments[family])
                    } else {
                        rendered.removeAll(keepingCapacity: true)
                        AccountExposition.appendSamples(of: declaration, for: account.snapshot, to: &rendered)
                        body.writeBytes(rendered)
                    }
                    ranges[index][family] = start..<body.writerIndex
                }
                // A family no account has samples of gets no header either.
                if body.writerIndex == samplesStart {
                    body.moveWriterIndex(to: familyStart)
                }
            case .fixed(let samples):
                body.writeBytes(samples)
            }
        }
        for index in accounts.indices {
            accounts[index].fragments = ranges[index].map { range in
                range.isEmpty ? ByteBuffer() : body.getSlice(at: range.lowerBound, length: range.count) ?? ByteBuffer()
            }
        }
        return body
    }
}
