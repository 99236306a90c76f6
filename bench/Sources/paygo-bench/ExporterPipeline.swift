import Foundation
import NIOCore
import PaygoExporter

/// What a refresh does with an answer: decode, fold into the account's snapshot, render the
/// account's families; the same public calls the exporter makes.
enum ExporterPipeline {
    static let account = AccountID("0123456789abcdef0123456789abcdef")!

    static func run(_ answer: ByteBuffer) throws -> Int {
        let records = try PaygoAnswerDecoder().decode(answer.readableBytesView).records
        let store = SnapshotStore(accounts: [account])
        store.update(account) {
            $0.applying(
                UsageFetchOutcome(result: .success(records), responseCodes: [200]), finishedAt: Date().timeIntervalSince1970,
                durationSeconds: 0.1)
        }
        let body = ExpositionCache(store: store).body(.prometheusText)
        precondition(body.bytes.readableBytes > 0)
        return records.count
    }
}
