import Foundation

/// Where the exporter reads the time and waits: the refresher, the rate-limit gate, the request
/// budget and the scrape body cache take one, so their tests advance a test clock and check
/// exact instants instead of leaning on wall-clock margins.
///
/// Instants are `ContinuousClock.Instant` (monotonic, for waiting and pacing); the wall clock is
/// read separately, for the Unix times that metrics and logs show.
public protocol ExporterClock: Sendable {
    /// The monotonic time now.
    var now: ContinuousClock.Instant { get }
    /// The wall-clock time now, in Unix seconds.
    var unixTime: Double { get }
    /// Returns at `deadline` or later; throws `CancellationError` if the task is cancelled first.
    func sleep(until deadline: ContinuousClock.Instant) async throws
}

extension ExporterClock {
    /// Sleeps for `duration` from now.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

/// The real clocks: `ContinuousClock` and the system's wall clock.
public struct SystemClock: ExporterClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public var unixTime: Double { Date().timeIntervalSince1970 }

    public func sleep(until deadline: ContinuousClock.Instant) async throws {
        try await Task.sleep(until: deadline, clock: .continuous)
    }
}
