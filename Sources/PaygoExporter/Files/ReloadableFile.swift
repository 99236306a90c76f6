import Foundation
import Logging
import Synchronization

/// A value read from a file and read again on SIGHUP or when the file changes, so a rotated
/// token or an edited budget takes effect without a restart. A file that became unreadable or
/// invalid keeps the value in force, and the log says why.
///
/// The one home of reload-from-file: the token file and the budget file use it.
public final class ReloadableFile<Value: Sendable>: Sendable {
    /// What the file holds, as the log names it: "API token", "budgets".
    public let subject: String
    /// Nil when the value came from elsewhere (the environment) and never reloads.
    public let path: String?

    private struct State {
        var value: Value
        var generation: UInt64 = 0
        var fingerprint: FileFingerprint?
    }

    private let state: Mutex<State>
    private let load: @Sendable (String) throws -> Value
    private let summary: @Sendable (Value) -> Logger.Metadata
    private let logger: Logger

    /// - Parameters:
    ///   - load: reads and checks the file; its error's description goes to the log, so it
    ///     must never quote a secret.
    ///   - summary: what the log line of a successful reload adds (never the value if secret).
    public init(
        _ initial: Value, path: String?, subject: String, logger: Logger,
        summary: @escaping @Sendable (Value) -> Logger.Metadata = { _ in [:] },
        load: @escaping @Sendable (String) throws -> Value
    ) {
        self.subject = subject
        self.path = path
        self.load = load
        self.summary = summary
        self.logger = logger
        state = Mutex(State(value: initial, fingerprint: path.map { FileFingerprint([$0]) }))
    }

    /// The value in force and a number that grows with every successful reload.
    public var current: (generation: UInt64, value: Value) {
        state.withLock { ($0.generation, $0.value) }
    }

    /// Reads the file again if it changed since it was last read (edited in place, or replaced
    /// by a rename or a swapped symlink: see `FileFingerprint`), then answers `current`.
    public func currentReloadingIfChanged() -> (generation: UInt64, value: Value) {
        if let path, state.withLock({ $0.fingerprint != FileFingerprint([path]) }) {
            reload(reason: "\(subject) file changed")
        }
        return current
    }

    /// Reads the file again; `reason` names the trigger in the log. Returns whether the new
    /// contents took effect.
    @discardableResult
    public func reload(reason: String) -> Bool {
        guard let path else { return false }
        let fingerprint = FileFingerprint([path])
        do {
            let value = try load(path)
            state.withLock { state in
                state.value = value
                state.generation += 1
                state.fingerprint = fingerprint
            }
            logger.info("reloaded \(subject)", metadata: ["file": "\(path)", "trigger": "\(reason)"].merging(summary(value)) { $1 })
            return true
        } catch {
            // Remembered, so a broken file is reported once, not before every call.
            state.withLock { $0.fingerprint = fingerprint }
            logger.error("kept the previous \(subject)", metadata: ["file": "\(path)", "trigger": "\(reason)", "error": "\(error)"])
            return false
        }
    }
}
