import CompressNIO
import Foundation
import NIOCore
import Testing

@testable import PaygoExporter

/// The precompressed head joined with a per-scrape tail must be one gzip member that any
/// reader accepts, CRC and length included.
@Suite struct GzipHeadTests {
    static func text(_ count: Int, seed: Int) -> [UInt8] {
        var generator = DecoderFuzzTests.SeededGenerator(state: UInt64(seed))
        let words = ["cloudflare_paygo_contracted_cost", "{account_id=\"", "\",service=\"", "Workers", "R2", "} ", "0.75", "\n"]
        var bytes: [UInt8] = []
        while bytes.count < count { bytes += Array(words.randomElement(using: &generator)!.utf8) }
        return Array(bytes.prefix(count))
    }

    @Test(arguments: [(0, 0), (0, 700), (1, 1), (150_000, 0), (150_000, 1_500), (2_000_000, 3_000)])
    func headAndTailInflateToTheirConcatenation(headSize: Int, tailSize: Int) throws {
        let head = Self.text(headSize, seed: headSize + 1)
        let tail = Self.text(tailSize, seed: tailSize + 7)
        let member = try GzipHead(ByteBuffer(bytes: head)).member(tail: ByteBuffer(bytes: tail))
        var joined = member.reduce(into: ByteBuffer()) { result, part in result.writeImmutableBuffer(part) }
        // zlib's gzip reader checks the trailer's CRC-32 and length.
        let inflated = try joined.decompress(with: .gzip())
        #expect(Array(inflated.readableBytesView) == head + tail)
    }

    @Test func theSameHeadServesManyTails() throws {
        let head = try GzipHead(ByteBuffer(bytes: Self.text(50_000, seed: 3)))
        for size in [0, 10, 999] {
            let tail = Self.text(size, seed: size)
            var joined = try head.member(tail: ByteBuffer(bytes: tail)).reduce(into: ByteBuffer()) { $0.writeImmutableBuffer($1) }
            #expect(Array(try joined.decompress(with: .gzip()).readableBytesView) == Self.text(50_000, seed: 3) + tail)
        }
    }

    /// An independent reader: the gzip command checks the member and its trailer.
    @Test func gzipCommandAcceptsTheMember() throws {
        let head = Self.text(80_000, seed: 11), tail = Self.text(1_200, seed: 12)
        let member = try GzipHead(ByteBuffer(bytes: head)).member(tail: ByteBuffer(bytes: tail))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("paygo-gzip-\(getpid()).gz")
        defer { try? FileManager.default.removeItem(at: file) }
        try Data(member.flatMap { Array($0.readableBytesView) }).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -dc '\(file.path)'"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let inflated = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Array(inflated) == head + tail)
    }
}
