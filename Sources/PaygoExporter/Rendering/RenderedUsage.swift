import NIOCore

/// The `cloudflare_paygo_*` part of a body in one format, rendered once per change.
public struct RenderedUsage: Sendable {
    /// Grows with every re-render, so whatever is derived from `bytes` (its gzip form) can be
    /// kept until this changes.
    public let version: UInt64
    /// Families in name order and accounts in id order within each; no OpenMetrics `# EOF`.
    public let bytes: ByteBuffer
}
