import CZlib
import CompressNIO
import NIOCore

/// A body's large head compressed once, ready to be joined with any small tail into one
/// ordinary gzip member.
///
/// The head is raw deflate ending in a sync flush: byte-aligned and not final, so a second,
/// independent deflate stream holding the tail can follow it. The trailer's CRC-32 of head and
/// tail comes from the head's stored CRC and the tail's, joined by zlib's `crc32_combine`, so a
/// response costs compressing the tail only. Readers see a single standard member (RFC 1952),
/// unlike concatenated members, which some HTTP clients stop reading after the first.
struct GzipHead: Sendable {
    /// The gzip header and the head's deflate blocks: everything a response sends before the tail.
    private let start: ByteBuffer
    private let crc: UInt
    private let length: Int

    /// Fixed header: magic, deflate, no flags, no time, no extra flags, OS unknown.
    private static let header: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xFF]

    init(_ plain: ByteBuffer) throws {
        var input = plain
        let compressor = try ZlibCompressor(algorithm: .deflate)
        var output = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input))
        try compressor.deflate(from: &input, to: &output, flush: .sync)
        // The bound the output was sized by is about the input's size; keep only what is used.
        var start = ByteBufferAllocator().buffer(capacity: Self.header.count + output.readableBytes)
        start.writeBytes(Self.header)
        start.writeBuffer(&output)
        self.start = start
        crc = Self.crc32(plain, startingAt: 0)
        length = plain.readableBytes
    }

    /// The buffers of a complete gzip member of head and `tail`, in order.
    func member(tail: ByteBuffer) throws -> [ByteBuffer] {
        var input = tail
        // The tail is a few hundred bytes: a small window and little memory make setting up
        // the stream cheap, which is most of the cost at this size.
        let compressor = try ZlibCompressor(
            algorithm: .deflate,
            configuration: .init(windowSize: .window2k, compressionLevel: .fastestCompression, memoryLevel: .memory1k))
        var end = ByteBufferAllocator().buffer(capacity: compressor.maxSize(from: input) + 8)
        try compressor.deflate(from: &input, to: &end, flush: .finish)
        let tailCRC = Self.crc32(tail, startingAt: 0)
        let combined = crc32_combine(crc, tailCRC, off_t(tail.readableBytes))
        end.writeInteger(UInt32(truncatingIfNeeded: combined), endianness: .little)
        // ISIZE is the length modulo 2^32 (RFC 1952 section 2.3.1).
        end.writeInteger(UInt32(truncatingIfNeeded: length + tail.readableBytes), endianness: .little)
        return [start, end]
    }

    private static func crc32(_ buffer: ByteBuffer, startingAt seed: UInt) -> UInt {
        buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress else { return seed }
            return CZlib.crc32(seed, base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count))
        }
    }
}
