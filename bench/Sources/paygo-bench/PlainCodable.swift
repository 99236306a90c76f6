import Foundation
import NIOCore

/// The baseline: the same bytes into plain `Codable` structs with Foundation's JSONDecoder,
/// the way most Swift code would read this answer; the record holds the 19 columns the
/// exporter reads (the other 8 of today's 27 are skipped by both).
enum PlainCodable {
    struct Envelope: Decodable {
        var success: Bool
        var result: [Record]?
    }

    struct Record: Decodable {
        var BillingCurrency: String
        var BillingPeriodStart: String?
        var ChargePeriodStart: String
        var ChargePeriodEnd: String
        var ServiceName: String
        var ConsumedUnit: String?
        var ConsumedQuantity: Double?
        var PricingQuantity: Double?
        var ContractedCost: Double
        var CumulatedContractedCost: Double?
        var CumulatedPricingQuantity: Double?
        var BilledCost: Double?
        var EffectiveCost: Double?
        var ListCost: Double?
        var BillingAccountName: String?
        var ServiceFamilyName: String?
        var PricingUnit: String?
        var ZoneId: String?
        var ZoneName: String?
    }

    static func run(_ answer: ByteBuffer) throws -> Int {
        let data = Data(answer.readableBytesView)
        return try JSONDecoder().decode(Envelope.self, from: data).result?.count ?? 0
    }
}
