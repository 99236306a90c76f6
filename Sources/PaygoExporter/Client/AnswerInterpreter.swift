import Foundation

/// Turns an HTTP status and body into an endpoint's result or a typed error: the one place
/// that decides what an answer means, for every endpoint and for the demo.
struct AnswerInterpreter<Reader: EnvelopeResultReader>: Sendable {
    /// Credentials to cut out of echoed API messages; nil when there are none (demo).
    let credentials: CloudflareCredentials?
    private let decoder: EnvelopeDecoder<Reader>

    init(_ reader: Reader, credentials: CloudflareCredentials?) {
        decoder = EnvelopeDecoder(reader)
        self.credentials = credentials
    }

    func result(status: Int, body: some Collection<UInt8>, operation: APIOperation) throws(CloudflareAPIError) -> Reader.Value {
        try answer(status: status, body: body, operation: operation).result
    }

    /// The whole successful answer, `result_info` included (for paged endpoints).
    func answer(
        status: Int, body: some Collection<UInt8>, operation: APIOperation
    ) throws(CloudflareAPIError) -> APIAnswer<Reader.Value> {
        let answer: APIAnswer<Reader.Value>
        do {
            answer = try decoder.decode(body)
        } catch {
            // An unreadable body on an error status is the status's fault (e.g. an HTML 502 page).
            if !(200..<300).contains(status) { throw .status(status, apiErrors: [], operation: operation) }
            throw .undecodable(error, operation: operation)
        }
        let apiErrors = answer.errors.map(redacted)
        guard (200..<300).contains(status) else {
            throw .status(status, apiErrors: apiErrors, operation: operation)
        }
        guard answer.success else {
            throw .unsuccessful(apiErrors: apiErrors, operation: operation)
        }
        return answer
    }

    /// API messages are echoed into logs and the landing page; a misbehaving proxy could echo
    /// our own headers back, so credentials are cut out of them first.
    private func redacted(_ message: APIMessage) -> APIMessage {
        guard let credentials else { return message }
        var text = message.message
        let secrets: [String] =
            switch credentials {
            case .apiToken(let token): [token]
            case .globalKey(_, let key): [key]
            }
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return .init(code: message.code, message: text)
    }
}
