/// Reads one endpoint's `result` out of the envelope, so that `EnvelopeDecoder` serves every
/// endpoint: usage records today, the usage info object and the account list next.
protocol EnvelopeResultReader: Sendable {
    associatedtype Value: Sendable

    /// What a failed answer's result is when it carries none.
    static var empty: Value { get }

    /// Reads the value under `key` (the scanner is just past its colon): nil for null, else the
    /// value or the first field error in it, with the scanner past the whole value either way.
    /// Throws only when the bytes are not JSON.
    mutating func read(_ scanner: inout JSONScanner, key: String) throws(AnswerDecodingError) -> Result<Value, AnswerDecodingError>?
}

/// Reads one element of a `result` list.
protocol EnvelopeElementReader: Sendable {
    associatedtype Element: Sendable

    mutating func readElement(_ scanner: inout JSONScanner, path: ElementPath) throws(AnswerDecodingError) -> Element
}

/// A `result` that is a list of elements.
struct ListResult<ElementReader: EnvelopeElementReader>: EnvelopeResultReader {
    private var elements: ElementReader

    init(_ elements: ElementReader) {
        self.elements = elements
    }

    static var empty: [ElementReader.Element] { [] }

    mutating func read(
        _ scanner: inout JSONScanner, key: String
    ) throws(AnswerDecodingError) -> Result<[ElementReader.Element], AnswerDecodingError>? {
        try EnvelopeList.read(&scanner, key: key) { (scanner: inout JSONScanner, path: ElementPath) throws(AnswerDecodingError) in
            try elements.readElement(&scanner, path: path)
        }
    }
}
