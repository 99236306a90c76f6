/// This replica's share of the accounts (`--shard`, `--total-shards`, kube-state-metrics'
/// names): an account belongs to exactly one shard, by a stable hash of its id, so replicas
/// that share tokens split the accounts between them without talking to each other.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// Zero-based, below `total`.
    public let index: Int
    public let total: Int

    /// One replica serving every account.
    public static let whole = Shard(uncheckedIndex: 0, total: 1)

    /// Nil unless `0 <= index < total` and `total` is within `FlagRanges.totalShards`.
    public init?(index: Int, total: Int) {
        guard FlagRanges.totalShards.contains(total), (0..<total).contains(index) else { return nil }
        self.init(uncheckedIndex: index, total: total)
    }

    private init(uncheckedIndex index: Int, total: Int) {
        self.index = index
        self.total = total
    }

    /// Whether this replica serves `account`: the id's FNV-1a hash, modulo the shard count.
    /// The hash is fixed here, not Swift's `Hasher` (seeded per process), so every replica and
    /// every restart agrees.
    public func owns(_ account: AccountID) -> Bool {
        total == 1 || Int(Self.hash(account.rawValue) % UInt64(total)) == index
    }

    /// 64-bit FNV-1a of the id's bytes.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// A credential's rate shared by every replica: each takes `1/total` of the calls, so
    /// together they keep to what one replica alone would. Nil when a replica would get
    /// less than one call per window.
    public func share(of rate: RequestRate) -> RequestRate? {
        guard rate.requests / total >= 1 else { return nil }
        return RequestRate(requests: rate.requests / total, perSeconds: rate.perSeconds)
    }

    public var description: String { "\(index)/\(total)" }
}
