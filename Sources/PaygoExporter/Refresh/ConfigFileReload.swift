import Foundation
import Logging
import Synchronization

/// `--config.file` read again on SIGHUP. A file that no longer parses (or names a secret that
/// cannot be read) keeps the running configuration, is logged, and shows as
/// `cloudflare_paygo_config_last_reload_successful 0` until a reload succeeds. What a reload
/// changes while running: each credential's accounts and the static account labels; the
/// credentials themselves (added, removed, renamed, or another secret source, rate or discovery)
/// take effect at the next start, and the log says which. A credential missing from the file
/// keeps its accounts until then. Token files are re-read by their own reload.
final class ConfigFileReload: Sendable {
    let path: String
    private let defaults: ExporterConfigFile.Defaults
    /// The credentials running, in the configuration's order.
    private let running: [CredentialConfiguration]
    private let assignment: AccountAssignment
    private let refresher: UsageRefresher
    private let environment: [String: String]
    private let logger: Logger

    private struct State {
        var successful = true
        /// Start-up counts: the file was loaded then.
        var lastSuccess: Date
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    /// Held for a whole reload: two SIGHUPs in a row must not interleave their assignments.
    private let reloading = Mutex(())

    init(
        path: String, defaults: ExporterConfigFile.Defaults, running: [CredentialConfiguration], assignment: AccountAssignment,
        refresher: UsageRefresher, environment: [String: String] = ProcessInfo.processInfo.environment, loadedAt: Date = Date(),
        logger: Logger
    ) {
        self.path = path
        self.defaults = defaults
        self.running = running
        self.assignment = assignment
        self.refresher = refresher
        self.environment = environment
        self.logger = logger
        state = Mutex(State(lastSuccess: loadedAt))
    }

    /// The outcome of the last load, for the metrics.
    var reloadState: (successful: Bool, lastSuccess: Date) {
        state.withLock { ($0.successful, $0.lastSuccess) }
    }

    /// Differs after every reload, for the cached body.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Reads the file again and applies what can change while running; never throws (a bad
    /// file keeps the running configuration).
    func reload(reason: String) {
        reloading.withLock { _ in
            let contents: ExporterConfigFile.Contents
            do {
                contents = try ExporterConfigFile.load(path: path, defaults: defaults, environment: environment)
            } catch {
                state.withLock {
                    $0.successful = false
                    $0.generation += 1
                }
                logger.error(
                    "--config.file not reloaded; the running configuration stays in force",
                    metadata: ["reason": "\(reason)", "error": "\(error)"])
                return
            }
            logUnapplied(contents.credentials)
            let given = Dictionary(contents.credentials.map { ($0.name, $0.accounts) }, uniquingKeysWith: { first, _ in first })
            let (added, removed) = assignment.reload(given: given, labels: contents.accountLabels)
            state.withLock {
                $0.successful = true
                $0.lastSuccess = Date()
                $0.generation += 1
            }
            logger.info(
                "reloaded --config.file",
                metadata: ["reason": "\(reason)", "added": "\(added.count)", "removed": "\(removed.count)"])
            // Also when none came or went: an account may have moved to another credential.
            refresher.watchedAccountsChanged()
        }
    }

    /// Says which of the file's changes to the credentials wait for the next start.
    private func logUnapplied(_ inFile: [CredentialConfiguration]) {
        let names = inFile.map(\.name)
        let runningNames = running.map(\.name)
        if names != runningNames {
            logger.warning(
                "credentials added, removed, renamed or reordered in --config.file take effect at the next start; until then a credential missing from the file keeps its accounts",
                metadata: ["running": "\(runningNames.joined(separator: ","))", "in_file": "\(names.joined(separator: ","))"])
        }
        let byName = Dictionary(inFile.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for credential in running {
            guard let changed = byName[credential.name].map({ Self.settingsChanged(from: credential, to: $0) }), !changed.isEmpty
            else { continue }
            logger.warning(
                "credential settings changed in --config.file take effect at the next start",
                metadata: ["credential": "\(credential.name)", "settings": "\(changed.joined(separator: ","))"])
        }
    }

    /// The settings of one credential that differ, by their names in the file; never a value
    /// (the secret is compared, not shown).
    static func settingsChanged(from running: CredentialConfiguration, to inFile: CredentialConfiguration) -> [String] {
        var changed: [String] = []
        let (old, new) = (running.api, inFile.api)
        // A token file named in both is the same source: what it holds now reloads on its own.
        let sameFile = old.tokenFile != nil && old.tokenFile == new.tokenFile
        if old.tokenFile != new.tokenFile || old.globalKeyEmail != new.globalKeyEmail
            || (!sameFile && !Self.sameSecret(old.credentials, new.credentials))
        {
            changed.append("secret")
        }
        if old.rateLimit != new.rateLimit { changed.append("rate_limit") }
        if running.discovery != inFile.discovery || running.keepsGivenAccounts != inFile.keepsGivenAccounts {
            changed.append("discover")
        }
        return changed
    }

    private static func sameSecret(_ first: CloudflareCredentials, _ second: CloudflareCredentials) -> Bool {
        first.headers.map(\.name) == second.headers.map(\.name) && first.headers.map(\.value) == second.headers.map(\.value)
    }
}
