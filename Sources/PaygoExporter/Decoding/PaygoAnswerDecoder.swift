/// Decodes the usage endpoint's answers: the shared envelope with a list of usage records.
///
/// Records are read by `UsageRecordFields`: both key spellings (PascalCase on the wire,
/// snake_case from SDKs and some proxies; PascalCase wins when both are set), null or missing
/// optional columns as absent, and dates and periods checked.
public struct PaygoAnswerDecoder: Sendable {
    private let envelope = EnvelopeDecoder(ListResult(UsageRecordFields()))

    public init() {}

    public func decode(_ body: some Collection<UInt8>) throws(AnswerDecodingError) -> PaygoAnswer {
        try envelope.decode(body)
    }
}
