/// Records added up into usage series: the one place that decides which records make one
/// sample. Records of the same (service, unit, currency) and charge period are summed (an
/// answer splits them by zone or subscription), so no series is ever emitted twice.
///
/// The live exporter keeps only each key's newest charge period (`.newest`); backfill keeps
/// every period apart (`.every`). Both cap the distinct keys, so a hostile answer cannot grow
/// what is served without bound.
struct UsageSeriesTable {
    enum Periods {
        /// Per key, only the newest charge period; older records are ignored.
        case newest
        /// Per key, every charge period, each its own series.
        case every
    }

    /// What one record did to the table.
    enum Admission: Equatable {
        /// The record counts (added to a series, or started one).
        case counted
        /// An older charge period than the key's newest: not part of what is served.
        case superseded
        /// A key beyond the cap: left out of everything.
        case dropped
    }

    private struct Slot: Hashable {
        let key: UsageSeriesKey
        /// nil when only the newest period is kept.
        let period: Double?
    }

    let periods: Periods
    let maxKeys: Int
    /// In the order first seen.
    private(set) var series: [UsageSeries] = []
    private var indexBySlot: [Slot: Int] = [:]
    private var keys = Set<UsageSeriesKey>()
    /// Hashes only: what is dropped must not cost memory in proportion to its names.
    private var droppedKeys = Set<Int>()
    private var lastIndex: Int?

    init(periods: Periods, maxKeys: Int) {
        self.periods = periods
        self.maxKeys = maxKeys
    }

    /// Distinct keys left out because the answer held more than `maxKeys`.
    var droppedKeyCount: Int { droppedKeys.count }

    mutating func add(_ record: UsageRecord) -> Admission {
        let key = UsageSeriesKey(service: record.serviceName, unit: record.consumedUnit, currency: record.billingCurrency)
        let slot = Slot(key: key, period: periods == .newest ? nil : record.chargePeriodStart)
        // Answers list a series' records together, so the previous record's slot is tried
        // first: hashing three strings per record was most of the cost.
        if let index = lastIndex.flatMap({ matches(series[$0], slot) ? $0 : nil }) ?? indexBySlot[slot] {
            lastIndex = index
            if record.chargePeriodStart > series[index].chargePeriodStart {
                series[index] = UsageSeries(key: key, record: record)
            } else if record.chargePeriodStart == series[index].chargePeriodStart {
                series[index].add(record)
            } else {
                return .superseded
            }
            return .counted
        }
        if !keys.contains(key) {
            guard keys.count < maxKeys else {
                droppedKeys.insert(key.hashValue)
                return .dropped
            }
            keys.insert(key)
        }
        lastIndex = series.count
        indexBySlot[slot] = series.count
        series.append(UsageSeries(key: key, record: record))
        return .counted
    }

    private func matches(_ series: UsageSeries, _ slot: Slot) -> Bool {
        series.key == slot.key && (slot.period.map { $0 == series.chargePeriodStart } ?? true)
    }
}
