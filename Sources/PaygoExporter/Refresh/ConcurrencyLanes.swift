import Synchronization

/// A `ConcurrencyLimit` per lane (a credential), made on first use: refreshes waiting for a
/// paused or slow token hold only that token's slots, never another's.
final class ConcurrencyLanes: Sendable {
    private let limit: Int
    private let lanes = Mutex<[Int: ConcurrencyLimit]>([:])

    init(limit: Int) {
        self.limit = limit
    }

    func limit(of lane: Int) -> ConcurrencyLimit {
        lanes.withLock { lanes in
            if let existing = lanes[lane] { return existing }
            let made = ConcurrencyLimit(limit: limit)
            lanes[lane] = made
            return made
        }
    }
}
