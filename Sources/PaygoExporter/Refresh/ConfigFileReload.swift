import Foundation
import Logging
import Synchronization

/// `--config.file` read again on SIGHUP. A file that no longer parses (or names a secret that
/// cannot be read) keeps the running configuration, is logged, and shows as
/// `cloudflare_paygo_config_last_reload_successful 0` until a reload succeeds.
///
/// What a reload changes while running: each credential's accounts, its `rate_limit` (the
/// budget and the refresh schedule), its secret source (another token file or variable), and
/// the static account labels. A credential added, removed or renamed, and a change to a
/// credential's discovery, take effect at the next start, and the log says which; a credential
/// missing from the file keeps its accounts until then. Token files are also re-read by their
/// own reload.
final class ConfigFileReload: Sendable {
    /// What each running credential uses to apply a reload: its API (the budget) and its
    /// secrets, in the configuration's order.
    struct Credential: Sendable {
        var api: CloudflareAPI
        var secrets: CredentialsStore
    }

    let path: String
    private let defaults: ExporterConfigFile.Defaults
    private let credentials: [Credential]
    private let assignment: AccountAssignment
    private let refresher: UsageRefresher
    private let environment: [String: String]
    private let logger: Logger

    private struct State {
        /// The credentials as in force, in the configuration's order: as started, with what
        /// reloads applied since.
        var running: [CredentialConfiguration]
        var successful = true
        /// Start-up counts: the file was loaded then.
        var lastSuccess: Date
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    /// Held for a whole reload: two SIGHUPs in a row must not interleave their assignments.
    private let reloading = Mutex(())

    /// - Parameter credentials: one per entry of `running`, in its order; empty where nothing is
    ///   applied but accounts and labels (tests).
    init(
        path: String, defaults: ExporterConfigFile.Defaults, running: [CredentialConfiguration], credentials: [Credential] = [],
        assignment: AccountAssignment, refresher: UsageRefresher,
        environment: [String: String] = ProcessInfo.processInfo.environment, loadedAt: Date = Date(), logger: Logger
    ) {
        self.path = path
        self.defaults = defaults
        self.credentials = credentials
        self.assignment = assignment
        self.refresher = refresher
        self.environment = environment
        self.logger = logger
        state = Mutex(State(running: running, lastSuccess: loadedAt))
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
            let running = apply(contents.credentials, to: state.withLock { $0.running })
            let given = Dictionary(contents.credentials.map { ($0.name, $0.accounts) }, uniquingKeysWith: { first, _ in first })
            let (added, removed) = assignment.reload(given: given, labels: contents.accountLabels)
            state.withLock {
                $0.running = running
                $0.successful = true
                $0.lastSuccess = Date()
                $0.generation += 1
            }
            logger.info(
                "reloaded --config.file",
                metadata: [
                    "reason": "\(reason)", "added": "\(added.count)", "removed": "\(removed.count)",
                    "removed_ids": "\(removed.map(\.rawValue).joined(separator: ","))",
                ])
            // Also when none came or went: an account may have moved to another credential.
            refresher.watchedAccountsChanged(removed: removed)
        }
    }

    /// Applies the file's settings of each running credential it still names; says which of
    /// its changes wait for the next start. Returns the credentials as now in force.
    private func apply(_ inFile: [CredentialConfiguration], to running: [CredentialConfiguration]) -> [CredentialConfiguration] {
        let names = inFile.map(\.name)
        let runningNames = running.map(\.name)
        if names != runningNames {
            logger.warning(
                "credentials added, removed, renamed or reordered in --config.file take effect at the next start; until then a credential missing from the file keeps its accounts and settings, and edits under its new name wait too",
                metadata: ["running": "\(runningNames.joined(separator: ","))", "in_file": "\(names.joined(separator: ","))"])
        }
        let byName = Dictionary(inFile.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var inForce = running
        var ratesChanged = false
        for (index, credential) in running.enumerated() {
            guard let new = byName[credential.name] else { continue }
            let changed = Self.settingsChanged(from: credential, to: new)
            guard !changed.isEmpty else { continue }
            let parts = credentials.indices.contains(index) ? credentials[index] : nil
            var applied: [String] = []
            if changed.contains("rate_limit"), let parts {
                parts.api.budget.setRate(new.api.rateLimit)
                inForce[index].api.rateLimit = new.api.rateLimit
                ratesChanged = true
                applied.append("rate_limit")
            }
            if changed.contains("secret"), let parts {
                parts.secrets.replace(with: new.api, logger: logger)
                // A pause after a 429 and a quota running low were the old token's.
                parts.api.gate.reopen()
                parts.api.budget.forgetQuota()
                inForce[index].api.credentials = new.api.credentials
                inForce[index].api.tokenFile = new.api.tokenFile
                inForce[index].api.globalKeyEmail = new.api.globalKeyEmail
                applied.append("secret")
            }
            if !applied.isEmpty {
                logger.info(
                    "applied credential settings from --config.file",
                    metadata: ["credential": "\(credential.name)", "settings": "\(applied.joined(separator: ","))"])
            }
            let waiting = changed.filter { !applied.contains($0) }
            if !waiting.isEmpty {
                logger.warning(
                    "credential settings changed in --config.file take effect at the next start",
                    metadata: ["credential": "\(credential.name)", "settings": "\(waiting.joined(separator: ","))"])
            }
        }
        if ratesChanged { refresher.rateLimitsChanged(inForce.map { $0.api.rateLimit }) }
        return inForce
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
        switch (running.discovery, inFile.discovery) {
        case (let old?, let new?) where running.keepsGivenAccounts == inFile.keepsGivenAccounts:
            if old.excludedAccounts != new.excludedAccounts { changed.append("exclude") }
            if old.namePattern != new.namePattern { changed.append("account_name_regex") }
            var rest = new
            rest.excludedAccounts = old.excludedAccounts
            rest.namePattern = old.namePattern
            if rest != old { changed.append("discover") }
        case (nil, nil) where running.keepsGivenAccounts == inFile.keepsGivenAccounts:
            break
        default:
            changed.append("discover")
        }
        return changed
    }

    private static func sameSecret(_ first: CloudflareCredentials, _ second: CloudflareCredentials) -> Bool {
        first.headers.map(\.name) == second.headers.map(\.name) && first.headers.map(\.value) == second.headers.map(\.value)
    }
}
