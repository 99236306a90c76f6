/// Thrown by `withDeadline` when the work outlives its time.
struct DeadlineExceeded: Error {}

/// Runs `work` and cancels it once `seconds` have passed, so one deadline covers a whole
/// operation (connect, headers and a trickling body alike).
func withDeadline<T: Sendable>(
    seconds: Double, clock: any ExporterClock = SystemClock(), _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await clock.sleep(for: .saturating(seconds: seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
        return value
    }
}
