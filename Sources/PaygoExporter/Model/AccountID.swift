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

    /// What is wrong with `text` as an account id, without quoting it: a value in this place may
    /// be an API token (40 characters) or a global key (37) pasted by mistake.
    public static func problem(with text: String) -> String {
        let bytes = text.utf8
        let length = "it has \(bytes.count) characters"
        let isHex: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        let upperHex: (UInt8) -> Bool = { (0x41...0x46).contains($0) }
        if bytes.count != 32 {
            let hint =
                bytes.count == 40
                ? " (an API token has 40: is one in the wrong place?)"
                : bytes.count == 37 ? " (a global API key has 37: is one in the wrong place?)" : ""
            return "\(length), not 32\(hint)"
        }
        if bytes.allSatisfy({ isHex($0) || upperHex($0) }) {
            return "\(length) but holds upper-case letters; account ids are lower-case hex"
        }
        return "\(length) but holds characters other than 0-9 and a-f"
    }

    public static func < (lhs: AccountID, rhs: AccountID) -> Bool { lhs.rawValue < rhs.rawValue }
}
