/// A Cloudflare account tag: 32 lowercase hexadecimal characters, checked before any call.
public struct AccountID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String

    /// Nil unless `text` is exactly 32 lowercase hex characters.
    public init?(_ text: String) {
        let bytes = text.utf8
        guard bytes.count == 32, bytes.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        rawValue = text
    }

    public var description: String { rawValue }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.rawValue < rhs.rawValue }
}
