extension AccountUsage {
    /// Each series' newest charge period split by zone, and the series' cost and consumed
    /// quantity recomputed as the sum of its zones in the order they are listed, so that the
    /// zones of a service and period add up to the service's value exactly (floating-point
    /// sums depend on their order).
    ///
    /// Zone series count against `maxSeries` on their own; a series with a zone left out keeps
    /// its record-order sum, and the zones left out are counted in `dropped`.
    static func zoneBreakdown(
        of records: [UsageRecord], series: inout [UsageSeries], maxSeries: Int, dropped: Int
    ) -> (zones: [ZoneUsageSeries], dropped: Int) {
        let indexByKey = Dictionary(series.indices.map { (series[$0].key, $0) }, uniquingKeysWith: { first, _ in first })
        struct ZoneKey: Hashable {
            let series: Int
            let zoneID: String
        }
        var zones: [ZoneUsageSeries] = []
        var indexByZone: [ZoneKey: Int] = [:]
        var incomplete = Set<Int>()
        var droppedZones = Set<ZoneKey>()
        for record in records {
            let key = UsageSeriesKey(service: record.serviceName, unit: record.consumedUnit, currency: record.billingCurrency)
            guard let seriesIndex = indexByKey[key], record.chargePeriodStart == series[seriesIndex].chargePeriodStart else { continue }
            let zoneKey = ZoneKey(series: seriesIndex, zoneID: record.details.zoneID ?? "")
            if let index = indexByZone[zoneKey] {
                zones[index].add(record)
            } else if zones.count < maxSeries {
                indexByZone[zoneKey] = zones.count
                zones.append(
                    ZoneUsageSeries(
                        key: key, zoneID: zoneKey.zoneID, record: record, serviceFamily: series[seriesIndex].serviceFamily))
            } else {
                droppedZones.insert(zoneKey)
                incomplete.insert(seriesIndex)
            }
        }
        zones.sort(by: ZoneUsageSeries.precedes)
        var start = 0
        while start < zones.count {
            var end = start
            while end < zones.count, zones[end].key == zones[start].key { end += 1 }
            if let index = indexByKey[zones[start].key], !incomplete.contains(index) {
                let group = zones[start..<end]
                series[index].contractedCost = group.reduce(0) { $0 + $1.contractedCost }
                if series[index].consumedQuantity != nil {
                    series[index].consumedQuantity = group.reduce(0) { $0 + ($1.consumedQuantity ?? 0) }
                }
            }
            start = end
        }
        return (zones, dropped + droppedZones.count)
    }
}
