/// Snappy's block format (github.com/google/snappy, format_description.txt), compression only:
/// what remote write 1.0 asks for in `Content-Encoding: snappy`. Not the framing format.
///
/// A greedy matcher over 64 KiB blocks with a hash table of 4-byte sequences: literals for
/// what it cannot match, copies with 1- or 2-byte offsets for what it can. Its output is read
/// by every snappy decoder; it trades a little ratio against the reference compressor's
/// heuristics for being short enough to check by eye.
public enum SnappyBlock {
    /// Copies never reach back further than the block they are in, so a 2-byte offset always
    /// suffices.
    static let blockSize = 1 << 16
    private static let hashBits = 14

    /// The most bytes `compress` can produce for `count` input bytes: the reference's bound.
    public static func maxCompressedLength(_ count: Int) -> Int {
        32 + count + count / 6
    }

    /// `input` in the snappy block format.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: maxCompressedLength(source.count)) { output, written in
                var writer = Writer(output: output)
                writer.varint(UInt64(source.count))
                var table = [Int32](repeating: -1, count: 1 << hashBits)
                var blockStart = 0
                while blockStart < source.count {
                    let blockEnd = min(blockStart + blockSize, source.count)
                    compressBlock(source, blockStart..<blockEnd, table: &table, into: &writer)
                    blockStart = blockEnd
                }
                written = writer.count
            }
        }
    }

    private static func compressBlock(
        _ source: UnsafeBufferPointer<UInt8>, _ block: Range<Int>, table: inout [Int32], into writer: inout Writer
    ) {
        // Positions in the table are relative to the block; a fresh block forgets the last one's.
        for index in table.indices { table[index] = -1 }
        let base = block.lowerBound
        let count = block.count
        var position = 0
        var pendingLiteral = 0
        while position + 4 <= count {
            let word = load32(source, base + position)
            let slot = Int((word &* 0x1E35_A7BD) >> (32 - UInt32(hashBits)))
            let candidate = Int(table[slot])
            table[slot] = Int32(position)
            guard candidate >= 0, load32(source, base + candidate) == word else {
                // Skip faster through data that does not compress, as the reference does.
                position += 1 + (position - pendingLiteral) >> 5
                continue
            }
            writer.literal(source, from: base + pendingLiteral, to: base + position)
            var length = 4
            while position + length < count, source[base + candidate + length] == source[base + position + length] {
                length += 1
            }
            writer.copy(offset: position - candidate, length: length)
            position += length
            pendingLiteral = position
        }
        writer.literal(source, from: base + pendingLiteral, to: base + count)
    }

    private static func load32(_ source: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt32 {
        UInt32(source[index]) | UInt32(source[index + 1]) << 8 | UInt32(source[index + 2]) << 16 | UInt32(source[index + 3]) << 24
    }

    /// Appends elements to a buffer sized by `maxCompressedLength`, which they never exceed.
    private struct Writer {
        let output: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func byte(_ value: UInt8) {
            output[count] = value
            count += 1
        }

        mutating func varint(_ value: UInt64) {
            var rest = value
            while rest >= 0x80 {
                byte(UInt8(truncatingIfNeeded: rest) | 0x80)
                rest >>= 7
            }
            byte(UInt8(rest))
        }

        /// Tag 00: lengths up to 60 in the tag, longer ones in 1 to 4 bytes after it.
        mutating func literal(_ source: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
            guard end > start else { return }
            let lengthMinusOne = end - start - 1
            if lengthMinusOne < 60 {
                byte(UInt8(lengthMinusOne) << 2)
            } else {
                var bytes = 1
                while bytes < 4, lengthMinusOne >> (8 * bytes) > 0 { bytes += 1 }
                byte(UInt8(59 + bytes) << 2)
                for index in 0..<bytes { byte(UInt8(truncatingIfNeeded: lengthMinusOne >> (8 * index))) }
            }
            for index in start..<end { byte(source[index]) }
        }

        /// Tag 01 (lengths 4 to 11, offsets under 2048) or 10 (lengths 1 to 64, 2-byte offsets);
        /// longer matches become several copies, none shorter than 4.
        mutating func copy(offset: Int, length: Int) {
            var rest = length
            while rest >= 68 {
                copy2(offset: offset, length: 64)
                rest -= 64
            }
            if rest > 64 {
                copy2(offset: offset, length: 60)
                rest -= 60
            }
            if rest >= 12 || offset >= 2048 {
                copy2(offset: offset, length: rest)
            } else {
                byte(0b01 | UInt8(rest - 4) << 2 | UInt8(offset >> 8) << 5)
                byte(UInt8(truncatingIfNeeded: offset))
            }
        }

        private mutating func copy2(offset: Int, length: Int) {
            byte(0b10 | UInt8(length - 1) << 2)
            byte(UInt8(truncatingIfNeeded: offset))
            byte(UInt8(truncatingIfNeeded: offset >> 8))
        }
    }
}
