/// A snappy block-format decoder written from the format description alone, independent of the
/// compressor under test, for round trips and for reading what a stand-in receiver gets. Throws
/// on anything malformed rather than trapping. It also counts the elements it read, so tests
/// can check that both literals and copies occur.
enum SnappyReferenceDecoder {
    struct Elements: Equatable {
        var literals = 0
        var copies1 = 0
        var copies2 = 0
        var copies4 = 0
    }

    static func decode(_ input: [UInt8]) throws -> [UInt8] {
        try decodeCounting(input).output
    }

    static func decodeCounting(_ input: [UInt8]) throws -> (output: [UInt8], elements: Elements) {
        var index = 0
        var length: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < input.count, shift < 64 else { throw TestFailure("snappy: truncated length") }
            let byte = input[index]
            index += 1
            length |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        guard length <= 1 << 30 else { throw TestFailure("snappy: length \(length) too large") }
        var output: [UInt8] = []
        output.reserveCapacity(Int(length))
        var elements = Elements()
        func take(_ count: Int) throws -> Int {
            guard index + count <= input.count else { throw TestFailure("snappy: truncated element") }
            var value = 0
            for offset in 0..<count { value |= Int(input[index + offset]) << (8 * offset) }
            index += count
            return value
        }
        while index < input.count {
            let tag = input[index]
            index += 1
            switch tag & 3 {
            case 0:
                var count = Int(tag >> 2) + 1
                if count > 60 { count = try take(count - 60) + 1 }
                guard index + count <= input.count else { throw TestFailure("snappy: literal past the end") }
                output += input[index..<index + count]
                index += count
                elements.literals += 1
            default:
                let count: Int
                let offset: Int
                switch tag & 3 {
                case 1:
                    count = Int((tag >> 2) & 7) + 4
                    offset = Int(tag >> 5) << 8 | (try take(1))
                    elements.copies1 += 1
                case 2:
                    count = Int(tag >> 2) + 1
                    offset = try take(2)
                    elements.copies2 += 1
                default:
                    count = Int(tag >> 2) + 1
                    offset = try take(4)
                    elements.copies4 += 1
                }
                guard offset > 0, offset <= output.count else { throw TestFailure("snappy: copy offset \(offset) out of range") }
                for _ in 0..<count { output.append(output[output.count - offset]) }
            }
            guard output.count <= Int(length) else { throw TestFailure("snappy: more output than the stated length") }
        }
        guard output.count == Int(length) else { throw TestFailure("snappy: \(output.count) bytes, \(length) stated") }
        return (output, elements)
    }
}
