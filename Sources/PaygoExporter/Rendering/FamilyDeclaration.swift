import PrometheusExposition

/// One family the exporter serves, declared once: what it is (its descriptor) and where its
/// samples come from. The live body, `once`, `backfill` and the README's metric table all read
/// `MetricCatalog.families`, so a family cannot be served in one place and forgotten in another.
public struct FamilyDeclaration: Sendable {
    /// Where a family's samples come from.
    public enum Samples: Sendable {
        /// One sample per usage series of each account (labels `account_id`, `service`,
        /// `service_family`, `unit`, `currency`, and `pricing_unit` where `pricingUnit` is
        /// set), read from the series; nil leaves the series out.
        case perUsageSeries(@Sendable (UsageSeries) -> Double?, pricingUnit: Bool = false)
        /// One sample per zone of each usage series (`--usage.by-zone`): the usage series'
        /// labels (without `pricing_unit`) plus `zone_id` and `zone_name`.
        case perZoneSeries(@Sendable (ZoneUsageSeries) -> Double?)
        /// Samples of each account, from its snapshot: the labels after `account_id`, and the
        /// value.
        case perAccount(@Sendable (AccountSnapshot) -> [AccountSample])
        /// From something that belongs to no account's snapshot, rendered into the cached usage
        /// body when it changes: the build, the refresh schedule, the budget file, the token's
        /// pause.
        case standalone
        /// The web server's own families (connections, authentication, web config reloads),
        /// which change with traffic: read with the process families at most once a second, so
        /// they never make the usage body be built again. Their names sort after the body's.
        case server
        /// The standard `process_*` families, read from /proc at most once a second.
        case process
    }

    public let descriptor: MetricDescriptor
    public let samples: Samples
    /// Whether `backfill` writes the family for past days.
    public let backfilled: Bool

    public init(_ descriptor: MetricDescriptor, _ samples: Samples, backfilled: Bool = false) {
        self.descriptor = descriptor
        self.samples = samples
        self.backfilled = backfilled
    }

    /// Whether the family's samples are rendered from account snapshots.
    public var isPerAccount: Bool {
        switch samples {
        case .perUsageSeries, .perZoneSeries, .perAccount: true
        case .standalone, .server, .process: false
        }
    }
}

/// One sample of an account's family: the labels after `account_id`, and the value.
public struct AccountSample: Sendable {
    public let labels: [Label]
    public let value: Double

    public init(_ labels: [Label], _ value: Double) {
        self.labels = labels
        self.value = value
    }

    /// A sample with no labels beyond `account_id`.
    public init(_ value: Double) {
        self.init([], value)
    }
}
