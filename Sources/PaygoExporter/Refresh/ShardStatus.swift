import PrometheusExposition
import Synchronization

/// What this replica says of its shard: which one it is, and how many accounts it saw before
/// taking its share (given ones at start, then each listing's), so alerts can tell replicas
/// that disagree or accounts that no shard serves.
public final class ShardStatus: StandaloneMetricSource {
    public let shard: Shard
    private let state: Mutex<(seen: Int, generation: UInt64)>

    public init(shard: Shard, accountsSeen: Int) {
        self.shard = shard
        state = Mutex((accountsSeen, 1))
    }

    /// After a listing: the accounts some shard watches.
    public func seen(_ count: Int) {
        state.withLock { state in
            guard state.seen != count else { return }
            state = (count, state.generation + 1)
        }
    }

    public var accountsSeen: Int { state.withLock { $0.seen } }

    public var generation: UInt64 { state.withLock { $0.generation } }

    public func families() -> [MetricFamily] {
        [
            MetricFamily(
                MetricCatalog.shardInfo,
                samples: [Sample(labels: [Label("shard", String(shard.index)), Label("total_shards", String(shard.total))], value: 1)]),
            MetricFamily(MetricCatalog.shardAccountsSeen, samples: [Sample(labels: [], value: Double(accountsSeen))]),
        ]
    }
}
