#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A validating, allocation-free JSON tokenizer over a contiguous UTF-8 body.
///
/// The PayGo decoder reads a few fields of many small records; a tree-building decoder spends
/// most of its time allocating the values it then throws away. This scanner instead reports
/// where each value lies, so the decoder converts only what it keeps, while still rejecting
/// every document RFC 8259 rejects (bad escapes, control characters, invalid UTF-8, bad
/// numbers, trailing bytes), and bounding nesting so hostile input cannot exhaust the stack.
struct JSONScanner {
    /// Where a scalar value lies in the body; containers are skipped, not captured.
    enum Value {
        case null
        case bool(Bool)
        /// Bytes between the quotes; `escaped` when they need decoding first.
        case string(Range<Int>, escaped: Bool)
        case number(Range<Int>)
        case array
        case object
    }

    static let maximumDepth = 512

    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    // MARK: Structure

    @inline(__always)
    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte, not consumed; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    @inline(__always)
    mutating func consume(_ byte: UInt8) throws(AnswerDecodingError) {
        guard peek() == byte else { throw truncatedOrMalformed }
        position += 1
    }

    /// Consumes `byte` if it is next.
    @inline(__always)
    mutating func consumeIf(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        position += 1
        return true
    }

    /// After a container's opening bracket: true if another element follows, false (and the
    /// closing bracket consumed) at its end. `first` is true before the first element.
    mutating func hasNextElement(closing: UInt8, first: Bool) throws(AnswerDecodingError) -> Bool {
        if consumeIf(closing) { return false }
        if !first { try consume(UInt8(ascii: ",")) }
        // "[1,]" is not JSON: an element must follow the comma.
        if !first, peek() == closing { throw truncatedOrMalformed }
        return true
    }

    /// An object key (its raw bytes and whether they hold escapes) and the colon after it.
    mutating func key() throws(AnswerDecodingError) -> (Range<Int>, escaped: Bool) {
        guard peek() == UInt8(ascii: "\""), case .string(let range, let escaped) = try value() else { throw truncatedOrMalformed }
        try consume(UInt8(ascii: ":"))
        return (range, escaped)
    }

    /// Moves back to a position this scanner reported, to skip a value it began to decode.
    mutating func rewind(to position: Int) {
        self.position = position
    }

    /// Fails unless only whitespace is left.
    mutating func expectEnd() throws(AnswerDecodingError) {
        guard peek() == nil else { throw AnswerDecodingError.notJSON("unexpected bytes after the JSON document") }
    }

    // MARK: Values

    /// Reads the next value. Scalars are consumed and located; for `.array` and `.object` only
    /// the opening bracket is consumed, so the caller walks or skips the contents.
    mutating func value() throws(AnswerDecodingError) -> Value {
        guard let byte = peek() else { throw truncatedOrMalformed }
        switch byte {
        case UInt8(ascii: "\""):
            position += 1
            return try stringBody()
        case UInt8(ascii: "{"):
            position += 1
            return .object
        case UInt8(ascii: "["):
            position += 1
            return .array
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try numberBody())
        default:
            throw truncatedOrMalformed
        }
    }

    /// Skips the rest of a value whose `value()` was just read: nothing for scalars, the whole
    /// contents for containers, iteratively so depth costs no stack.
    mutating func skipContents(of value: Value) throws(AnswerDecodingError) {
        var closers: [UInt8]
        switch value {
        case .array: closers = [UInt8(ascii: "]")]
        case .object: closers = [UInt8(ascii: "}")]
        default: return
        }
        var first = true
        while let closer = closers.last {
            guard try hasNextElement(closing: closer, first: first) else {
                closers.removeLast()
                first = false
                continue
            }
            if closer == UInt8(ascii: "}") { _ = try key() }
            let element = try self.value()
            switch element {
            case .array, .object:
                guard closers.count < Self.maximumDepth else {
                    throw AnswerDecodingError.notJSON("nested deeper than \(Self.maximumDepth) levels")
                }
                closers.append(element.isArray ? UInt8(ascii: "]") : UInt8(ascii: "}"))
                first = true
            default:
                first = false
            }
        }
    }

    /// Skips one whole value.
    mutating func skipValue() throws(AnswerDecodingError) {
        try skipContents(of: try value())
    }

    private mutating func literal(_ text: StaticString) throws(AnswerDecodingError) {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw truncatedOrMalformed }
        for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] {
            throw truncatedOrMalformed
        }
        position += count
    }

    /// After the opening quote: finds the closing quote, checking escapes, control characters
    /// and UTF-8 on the way.
    private mutating func stringBody() throws(AnswerDecodingError) -> Value {
        let start = position
        var escaped = false
        var ascii = true
        while position < bytes.count {
            // Eight plain bytes at a time: most strings are names and dates with nothing to check.
            while position + 8 <= bytes.count, !Self.holdsSpecialByte(bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)) {
                position += 8
            }
            guard position < bytes.count else { break }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let range = start..<position
                position += 1
                if !ascii, String(validating: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self) == nil {
                    throw AnswerDecodingError.notJSON("a string is not valid UTF-8")
                }
                return .string(range, escaped: escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                position += 1
                guard position < bytes.count else { throw truncatedOrMalformed }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                    UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    guard position + 4 < bytes.count,
                        (1...4).allSatisfy({ Self.hexValue(bytes[position + $0]) != nil })
                    else { throw AnswerDecodingError.notJSON("a string has a bad \\u escape") }
                    position += 5
                default:
                    throw AnswerDecodingError.notJSON("a string has a bad escape")
                }
            case 0x00..<0x20:
                throw AnswerDecodingError.notJSON("a string holds a raw control character")
            default:
                if byte >= 0x80 { ascii = false }
                position += 1
            }
        }
        throw truncatedOrMalformed
    }

    /// Validates the RFC 8259 number grammar and returns where the number lies.
    private mutating func numberBody() throws(AnswerDecodingError) -> Range<Int> {
        let start = position
        func digits(_ scanner: inout JSONScanner) -> Int {
            let from = scanner.position
            while scanner.position < scanner.bytes.count, Self.isDigit(scanner.bytes[scanner.position]) { scanner.position += 1 }
            return scanner.position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw truncatedOrMalformed }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits(&self) == 0 {
            throw AnswerDecodingError.notJSON("a number is malformed")
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw AnswerDecodingError.notJSON("a number is malformed") }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw AnswerDecodingError.notJSON("a number is malformed") }
        }
        return start..<position
    }

    // MARK: Conversions

    /// The bytes of a located string as a Swift string, escapes decoded. Nil for a lone
    /// surrogate escape, which no Swift string can hold.
    func string(_ range: Range<Int>, escaped: Bool) -> String? {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[range])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        func hex4(_ at: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 4 | UInt32(Self.hexValue(raw[at + $1])!) }
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                decoded.append(byte)
                index += 1
                continue
            }
            let code = raw[index + 1]
            index += 2
            switch code {
            case UInt8(ascii: "b"): decoded.append(0x08)
            case UInt8(ascii: "f"): decoded.append(0x0C)
            case UInt8(ascii: "n"): decoded.append(0x0A)
            case UInt8(ascii: "r"): decoded.append(0x0D)
            case UInt8(ascii: "t"): decoded.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(index)
                index += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard index + 5 < raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u") else { return nil }
                    let low = hex4(index + 2)
                    guard (0xDC00..<0xE000).contains(low) else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { return nil }
                decoded.append(contentsOf: UTF8.encode(unicode)!)
            default: decoded.append(code)
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    /// Whether a located, unescaped string is exactly `expected`.
    @inline(__always)
    func bytes(_ range: Range<Int>, equal expected: [UInt8]) -> Bool {
        guard range.count == expected.count else { return false }
        guard let base = bytes.baseAddress else { return expected.isEmpty }
        return expected.withUnsafeBytes { expected in
            expected.isEmpty || memcmp(base + range.lowerBound, expected.baseAddress!, range.count) == 0
        }
    }

    /// A located number as a Double; nil when it is outside Double's range.
    ///
    /// Up to 15 significant digits and a power of ten up to 22 convert exactly with one
    /// multiplication or division (both operands are exact doubles, so the one rounding is
    /// correct); anything longer goes to the standard library's correctly rounded parser.
    func double(_ range: Range<Int>) -> Double? {
        var index = range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var exact = true
        while index < range.upperBound, Self.isDigit(bytes[index]) {
            if mantissa != 0 || bytes[index] != UInt8(ascii: "0") { significantDigits += 1 }
            mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        if index < range.upperBound, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < range.upperBound, Self.isDigit(bytes[index]) {
                if mantissa != 0 || bytes[index] != UInt8(ascii: "0") { significantDigits += 1 }
                mantissa = mantissa &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0"))
                exponent -= 1
                index += 1
            }
        }
        if index < range.upperBound {
            // An exponent: rare in money, so the slow path takes it.
            exact = false
        }
        if exact, significantDigits <= 15, exponent >= -22 {
            let value = exponent == 0 ? Double(mantissa) : Double(mantissa) / Self.powersOfTen[-exponent]
            return negative ? -value : value
        }
        // C's strtod rounds correctly; the copy only adds the terminating NUL it needs. The
        // process never calls setlocale, so the decimal point is ".".
        let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: range.count + 1) { text -> Double in
            _ = UnsafeMutableRawBufferPointer(text).initializeMemory(as: UInt8.self, from: bytes[range])
            text[range.count] = 0
            return strtod(text.baseAddress!, nil)
        }
        return value.isFinite ? value : nil
    }

    // MARK: Helpers

    private var truncatedOrMalformed: AnswerDecodingError { .notJSON("malformed or truncated JSON") }

    /// Whether any byte of a word (read in either byte order) ends or complicates a string: a
    /// quote, a backslash, a control character or a non-ASCII byte. Classic SWAR tests; a
    /// false positive only sends the word to the byte-by-byte path.
    @inline(__always)
    private static func holdsSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highBits }
        let control = (word &- ones &* 0x20) & ~word & highBits
        let quote = hasZeroByte(word ^ (ones &* 0x22))
        let backslash = hasZeroByte(word ^ (ones &* 0x5C))
        return (control | quote | backslash | (word & highBits)) != 0
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }
}

private extension JSONScanner.Value {
    var isArray: Bool {
        if case .array = self { true } else { false }
    }
}
