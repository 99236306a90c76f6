import Foundation
import Logging
import Synchronization

/// The credentials in force, re-read from the token file on SIGHUP or when the file changes,
/// so a rotated token takes effect without a restart.
public final class CredentialsStore: Sendable {
    private struct State {
        var credentials: CloudflareCredentials
        var fileModification: Date?
    }

    private let state: Mutex<State>
    private let tokenFile: String?
    private let logger: Logger

    public init(_ credentials: CloudflareCredentials, tokenFile: String?, logger: Logger) {
        self.tokenFile = tokenFile
        self.logger = logger
        state = Mutex(State(credentials: credentials, fileModification: tokenFile.flatMap(Self.modificationDate)))
    }

    /// The credentials to use now; picks up a changed token file first.
    public func current() -> CloudflareCredentials {
        if let tokenFile, let modified = Self.modificationDate(tokenFile),
           state.withLock({ $0.fileModification != modified }) {
            reload(reason: "token file changed")
        }
        return state.withLock { $0.credentials }
    }

    /// Re-reads the token file. A file that became unreadable or invalid keeps the old token
    /// and logs why; the token itself is never logged.
    public func reload(reason: String) {
        guard let tokenFile else { return }
        let modified = Self.modificationDate(tokenFile)
        do {
            let credentials = try CredentialsResolver.resolve(tokenFile: tokenFile, environment: [:])
            state.withLock { $0 = State(credentials: credentials, fileModification: modified) }
            logger.info("reloaded API token", metadata: ["file": "\(tokenFile)", "trigger": "\(reason)"])
        } catch {
            state.withLock { $0.fileModification = modified }
            logger.error("kept the previous API token", metadata: ["trigger": "\(reason)", "error": "\(error)"])
        }
    }

    private static func modificationDate(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }
}
