import Foundation
import Logging

/// `--config.file` read again on SIGHUP. A file that no longer parses (or names a secret that
/// cannot be read) keeps the running configuration, and the log says why. What a reload
/// changes while running: each credential's accounts and the static account labels; the
/// credentials themselves (added, removed, another secret source or rate) take effect at the
/// next start, and the log says so. Token files are re-read by their own reload.
enum ConfigFileReload {
    static func reload(
        _ path: String, defaults: ExporterConfigFile.Defaults, configured: [String], assignment: AccountAssignment,
        refresher: UsageRefresher, reason: String, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger
    ) {
        let contents: ExporterConfigFile.Contents
        do {
            contents = try ExporterConfigFile.load(path: path, defaults: defaults, environment: environment)
        } catch {
            logger.error(
                "--config.file not reloaded; the running configuration stays in force",
                metadata: ["reason": "\(reason)", "error": "\(error)"])
            return
        }
        let names = contents.credentials.map(\.name)
        if names != configured {
            logger.warning(
                "credentials added, removed or reordered in --config.file take effect at the next start",
                metadata: ["running": "\(configured.joined(separator: ","))", "in_file": "\(names.joined(separator: ","))"])
        }
        let given = Dictionary(contents.credentials.map { ($0.name, $0.accounts) }, uniquingKeysWith: { first, _ in first })
        let (added, removed) = assignment.reload(given: given, labels: contents.accountLabels)
        logger.info(
            "reloaded --config.file",
            metadata: ["reason": "\(reason)", "added": "\(added.count)", "removed": "\(removed.count)"])
        // Also when none came or went: an account may have moved to another credential.
        refresher.watchedAccountsChanged()
    }
}
