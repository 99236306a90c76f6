import Synchronization

/// Caps concurrent scrapes (`--web.max-requests`), as Prometheus's own handler does, so a
/// stampede gets quick 503s instead of piling up work.
final class InFlightLimiter: Sendable {
    private let inFlight = Atomic<Int>(0)
    private let limit: Int

    /// - Parameter limit: 0 or less means no limit.
    init(limit: Int) {
        self.limit = limit
    }

    /// Runs `work` if a slot is free; nil when the limit is reached.
    func withSlot<T>(_ work: () async throws -> T) async rethrows -> T? {
        let now = inFlight.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue
        defer { inFlight.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
        if limit > 0, now > limit { return nil }
        return try await work()
    }
}
