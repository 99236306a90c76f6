import PrometheusExposition
import SwiftProtobuf

/// Cuts backfilled series into remote-write requests of at most `maxSamples` samples: series in
/// the order given, each one's samples ascending in time, a series longer than one request
/// continued in the next. Each request is a snappy-compressed `WriteRequest`.
struct RemoteWriteBatcher: Sendable {
    /// One request, ready to send.
    struct Batch: Sendable {
        let body: [UInt8]
        let samples: Int
    }

    let sampling: BackfillSampling
    let maxSamples: Int

    /// The series' labels as remote write wants them: `__name__` included, sorted by name.
    static func labels(of series: BackfillSeries) -> [Prometheus_Label] {
        let all = [("__name__", series.descriptor.name)] + series.labels.map { ($0.name, $0.value) }
        return all.sorted { $0.0 < $1.0 }.map { name, value in
            var label = Prometheus_Label()
            label.name = name
            label.value = value
            return label
        }
    }

    /// Calls `send` with each request in order; the next one is built only once it returns,
    /// so memory stays at one request whatever the history's length.
    func forEachBatch<Failure: Error>(of series: [BackfillSeries], _ send: (Batch) async throws(Failure) -> Void) async throws(Failure) {
        var request = Prometheus_WriteRequest()
        var count = 0
        func encoded() -> Batch {
            // Serializing messages built here only fails on a type the proto does not declare.
            let bytes: [UInt8] = (try? request.serializedBytes()) ?? []
            return Batch(body: SnappyBlock.compress(bytes), samples: count)
        }
        for one in series {
            var current = Prometheus_TimeSeries()
            current.labels = Self.labels(of: one)
            for day in one.days {
                for time in sampling.times(of: day) {
                    var sample = Prometheus_Sample()
                    sample.value = day.value
                    sample.timestamp = Self.milliseconds(time)
                    current.samples.append(sample)
                    count += 1
                    if count == maxSamples {
                        request.timeseries.append(current)
                        try await send(encoded())
                        request.timeseries.removeAll(keepingCapacity: true)
                        current.samples.removeAll(keepingCapacity: true)
                        count = 0
                    }
                }
            }
            if !current.samples.isEmpty { request.timeseries.append(current) }
        }
        if count > 0 { try await send(encoded()) }
    }

    /// Unix seconds as remote write's milliseconds, saturating far outside any real date.
    static func milliseconds(_ seconds: Double) -> Int64 {
        let value = (seconds * 1000).rounded()
        guard value.isFinite else { return value > 0 ? .max : .min }
        return Int64(max(-9e18, min(9e18, value)))
    }
}
