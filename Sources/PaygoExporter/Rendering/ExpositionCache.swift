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
        var bodyGenerations: [UInt64]?
        var body: [UInt8] = []
    }

    private let store: SnapshotStore
    private let state = Mutex(State())
    private let buildInfoFamily: [UInt8]

    public init(store: SnapshotStore) {
        self.store = store
        var buildInfo: [UInt8] = []
        TextFormat.appendHeader(MetricCatalog.buildInfo, to: &buildInfo)
        TextFormat.appendSample(
            name: MetricCatalog.buildInfo.name,
            labels: [Label("revision", BuildInfo.revision), Label("swiftversion", BuildInfo.swiftVersion), Label("version", BuildInfo.version)],
            value: 1, to: &buildInfo)
        buildInfoFamily = buildInfo
    }

    /// The current body of every `cloudflare_paygo_*` family, families in name order and
    /// accounts in id order within each.
    public func body() -> [UInt8] {
        let entries = store.entries()
        let generations = entries.map(\.generation)
        return state.withLock { state in
            if state.bodyGenerations == generations { return state.body }
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
            state.body = assemble(expositions)
            state.bodyGenerations = generations
            return state.body
        }
    }

    private func assemble(_ expositions: [AccountExposition]) -> [UInt8] {
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
            TextFormat.appendHeader(descriptor, to: &body)
            for exposition in expositions {
                body.append(contentsOf: exposition.fragments[index])
            }
        }
        if !buildInfoWritten { body.append(contentsOf: buildInfoFamily) }
        return body
    }
}
