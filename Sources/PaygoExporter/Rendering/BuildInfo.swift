/// What this binary is: shown by `--version`, the landing page and the build_info metric.
public enum BuildInfo {
    public static let version = "0.1.0"
    /// Set by release builds through the `PAYGO_EXPORTER_REVISION` define; "unknown" otherwise.
    public static let revision = "unknown"
    public static let swiftVersion: String = {
        #if swift(>=6.3)
        "6.3"
        #elseif swift(>=6.2)
        "6.2"
        #elseif swift(>=6.1)
        "6.1"
        #else
        "6.0"
        #endif
    }()

    public static var versionLine: String {
        "cloudflare-paygo-exporter, version \(version) (revision: \(revision), swift: \(swiftVersion))"
    }

    public static var userAgent: String { "cloudflare-paygo-exporter/\(version)" }
}
