import Synchronization

@testable import PaygoExporter

/// A clock that moves only when the test advances it: sleepers wake exactly when their
/// deadline is reached, so tests of pacing, pauses and expiry assert exact instants.
final class TestClock: ExporterClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: ContinuousClock.Instant
        var unixTime: Double
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Every call of `sleep`, finished or not.
        var sleeps = 0
    }

    private let state: Mutex<State>
    /// Where the clock started, for tests that compute expected instants.
    let start: ContinuousClock.Instant

    init(unixTime: Double = 1_000_000) {
        let start = ContinuousClock.now
        self.start = start
        state = Mutex(State(now: start, unixTime: unixTime))
    }

    var now: ContinuousClock.Instant { state.withLock { $0.now } }
    var unixTime: Double { state.withLock { $0.unixTime } }

    /// Tasks asleep on this clock now.
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Sleeps begun since the clock was made.
    var sleeps: Int { state.withLock { $0.sleeps } }

    /// The earliest deadline anyone sleeps until.
    var nextDeadline: ContinuousClock.Instant? { state.withLock { $0.sleepers.map(\.deadline).min() } }

    func sleep(until deadline: ContinuousClock.Instant) async throws {
        let id = state.withLock { state -> UInt64 in
            state.sleeps += 1
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> Bool in
                    if deadline <= state.now || Task.isCancelled { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return false
                }
                if resumeNow {
                    if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves both clocks on by `duration` and wakes every sleeper whose deadline has come.
    func advance(by duration: Duration) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now += duration
            state.unixTime += duration.seconds
            let due = state.sleepers.filter { $0.deadline <= state.now }
            state.sleepers.removeAll { $0.deadline <= state.now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Waits (in real time, briefly) until `count` tasks sleep on this clock, so a test can
    /// advance it knowing what it wakes.
    func waitForSleepers(_ count: Int) async throws {
        for _ in 0..<2_000 where sleeperCount < count {
            try await Task.sleep(for: .milliseconds(5))
        }
        if sleeperCount < count { throw TestFailure("expected \(count) sleepers, found \(sleeperCount)") }
    }
}
