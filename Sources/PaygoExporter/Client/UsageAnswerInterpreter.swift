/// Turns an HTTP status and body into records or a typed error: the one place that decides
/// what an answer means, shared by the real client and the demo.
struct UsageAnswerInterpreter: Sendable {
    /// Credentials to cut out of echoed API messages; nil when there are none (demo).
    let credentials: CloudflareCredentials?
    private let decoder = PaygoAnswerDecoder()

    init(credentials: CloudflareCredentials?) {
        self.credentials = credentials
    }

    func records(status: Int, body: some Collection<UInt8>, account: AccountID) throws(UsageFetchError) -> [UsageRecord] {
        let answer: PaygoAnswer
        do {
            answer = try decoder.decode(body)
        } catch {
            // An unreadable body on an error status is the status's fault (e.g. an HTML 502 page).
            if !(200..<300).contains(status) { throw .status(status, apiErrors: [], account: account) }
            throw .undecodable(error, account: account)
        }
        let apiErrors = answer.errors.map(redacted)
        guard (200..<300).contains(status) else {
            throw .status(status, apiErrors: apiErrors, account: account)
        }
        guard answer.success else {
            throw .unsuccessful(apiErrors: apiErrors, account: account)
        }
        return answer.records
    }

    /// API messages are echoed into logs and the landing page; a misbehaving proxy could echo
    /// our own headers back, so credentials are cut out of them first.
    private func redacted(_ message: PaygoAnswer.APIMessage) -> PaygoAnswer.APIMessage {
        guard let credentials else { return message }
        var text = message.message
        let secrets: [String] = switch credentials {
        case .apiToken(let token): [token]
        case .globalKey(_, let key): [key]
        }
        for secret in secrets where !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return .init(code: message.code, message: text)
    }
}
