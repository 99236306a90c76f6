import PrometheusExposition
import Synchronization

/// The `cloudflare_paygo_*` part of the body, rendered only when a snapshot changed.
///
/// Each account's lines are rendered once per change of that account and kept; the body is
/// their concatenation under each family's header, rebuilt at most once per change however
/// many scrapes come.
public final class ExpositionCache: Sendable {
    private struct State {
        var accounts: [AccountID: (generation: UInt64, exposition: AccountExposition)] = [:]
        /// Per format, the body and the account generations it was built from.
        var bodies: [ExpositionFormat: (generations: [UInt64], body: [UInt8])] = [:]
    }

    private let store: SnapshotStore
    private let state = Mutex(State())
    private let buildInfoSample: [UInt8]

    public init(store: SnapshotStore) {
        self.store = store
        var buildInfo: [UInt8] = []
        TextFormat.appendSample(
            name: MetricCatalog.buildInfo.name,
            labels: [Label("revision", BuildInfo.revision), Label("swiftversion", BuildInfo.swiftVersion), Label("version", BuildInfo.version)],
            value: 1, to: &buildInfo)
        buildInfoSample = buildInfo
    }

    /// The current body of every `cloudflare_paygo_*` family in `format`, families in name
    /// order and accounts in id order within each; without the OpenMetrics `# EOF`.
    public func body(_ format: ExpositionFormat = .prometheusText) -> [UInt8] {
        let entries = store.entries()
        let generations = entries.map(\.generation)
        return state.withLock { state in
            if let cached = state.bodies[format], cached.generations == generations { return cached.body }
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
            let body = assemble(expositions, format: format)
            state.bodies[format] = (generations, body)
            return body
        }
    }

    private func assemble(_ expositions: [AccountExposition], format: ExpositionFormat) -> [UInt8] {
        var buildInfoFamily: [UInt8] = []
        format.appendHeader(MetricCatalog.buildInfo, to: &buildInfoFamily)
        buildInfoFamily.append(contentsOf: buildInfoSample)
        var body: [UInt8] = []
        body.reserveCapacity(expositions.reduce(buildInfoFamily.count) { total, exposition in
            exposition.fragments.reduce(total + 512) { $0 + $1.count }
        })
        var buildInfoWritten = false
        for (index, descriptor) in MetricCatalog.accountFamilies.enumerated() {
            if !buildInfoWritten, MetricCatalog.buildInfo.name < descriptor.name {
                body.append(contentsOf: buildInfoFamily)
                buildInfoWritten = true
            }
            guard expositions.contains(where: { !$0.fragments[index].isEmpty }) else { continue }
            format.appendHeader(descriptor, to: &body)
            for exposition in expositions {
                body.append(contentsOf: exposition.fragments[index])
            }
        }
        if !buildInfoWritten { body.append(contentsOf: buildInfoFamily) }
        return body
    }
}
