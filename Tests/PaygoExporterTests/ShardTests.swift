import Foundation
import Logging
import Testing

@testable import PaygoExporter

/// `--shard`/`--total-shards`: which replica serves which account (stable, complete, disjoint),
/// the rate each replica takes, the flags' checks, and three replicas over loopback HTTP.
@Suite struct ShardTests {
    static func ids(_ count: Int) -> [AccountID] { (1...count).map { AccountID(String(format: "%032x", $0))! } }

    @Test func theHashIsFNV1aSixtyFourBits() {
        // The published FNV-1a test vectors: a change of hash would move accounts between shards.
        #expect(Shard.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(Shard.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(Shard.hash("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func assignmentIsStableCompleteAndDisjoint() throws {
        // Pinned: the same ids go to the same shards in every release and every process.
        let three = (0..<3).map { Shard(index: $0, total: 3)! }
        let pinned = [
            ("00000000000000000000000000000001", 0), ("00000000000000000000000000000002", 2), ("00000000000000000000000000000003", 1),
        ]
        for (id, index) in pinned {
            #expect(three.filter { $0.owns(AccountID(id)!) }.map(\.index) == [index], "\(id)")
        }
        let accounts = Self.ids(10_000)
        for total in [1, 2, 3, 7, 16] {
            let shards = (0..<total).map { Shard(index: $0, total: total)! }
            var counts = Array(repeating: 0, count: total)
            for account in accounts {
                let owners = shards.filter { $0.owns(account) }
                #expect(owners.count == 1, "\(account) in \(total) shards: owned by \(owners.map(\.index))")
                counts[owners.first?.index ?? 0] += 1
            }
            let fair = Double(accounts.count) / Double(total)
            #expect(counts.allSatisfy { abs(Double($0) - fair) < 0.1 * fair }, "\(total) shards, balanced: \(counts)")
        }
        #expect(Shard.whole.owns(accounts[0]) && Shard.whole.description == "0/1")
    }

    @Test func eachReplicaTakesItsShareOfTheRate() throws {
        var options = CommandLineOptions()
        options.accountIDs = Self.ids(30).map(\.rawValue)
        options.totalShards = 3
        options.shard = 2
        options.rateLimit = "600/5m"
        let environment = ["CLOUDFLARE_API_TOKEN": "token"]
        let configuration = try ExporterConfiguration(options: options, environment: environment)
        #expect(
            configuration.refreshCredentials == [RefreshPlan.Credential(name: "default", rate: RequestRate(requests: 200, perSeconds: 300))]
        )
        #expect(configuration.givenAccounts.count == 30)
        #expect(configuration.accounts == Self.ids(30).filter(Shard(index: 2, total: 3)!.owns))
        #expect(configuration.discovery == nil)

        options.rateLimit = "2/5m"
        #expect(throws: ConfigurationError.self, "less than one call per window each") {
            try ExporterConfiguration(options: options, environment: environment)
        }
        options.rateLimit = "600/5m"
        for (shard, total) in [(3, 3), (-1, 3), (0, 0), (0, 1_001)] {
            options.shard = shard
            options.totalShards = total
            #expect(throws: ConfigurationError.self, "--shard \(shard) --total-shards \(total)") {
                try ExporterConfiguration(options: options, environment: environment)
            }
        }
    }

    @Test func discoveryKeepsTheShardsShareAndCountsEveryAccountSeen() {
        let listing = Self.ids(90).map { ListedAccount(id: $0, name: "Account \($0.rawValue.suffix(4))") }
        let shard = Shard(index: 1, total: 3)!
        var state = DiscoveryState(
            settings: DiscoverySettings(excludedAccounts: [listing[0].id, listing[1].id, listing[2].id], shard: shard))
        let change = state.apply(.success(listing), at: 0, matcher: nil)
        let expected = listing.dropFirst(3).map(\.id).filter(shard.owns)
        #expect(change.watched == expected.sorted())
        #expect(change.names.map(\.0) == expected, "names of this shard's accounts only")
        #expect(change.seen?.count == 87, "every account some shard watches: the exclusions are left out")
        // A token that may not list: the given ids, this shard's share of them.
        var fallback = DiscoveryState(settings: DiscoverySettings(onlyAccounts: Set(Self.ids(12)), shard: shard))
        let unlisted = fallback.apply(.success([]), at: 0, matcher: nil)
        #expect(unlisted.watched == Self.ids(12).filter(shard.owns))
        #expect(unlisted.seen?.count == 12)
    }

    /// Three replicas against one stand-in, configured as the flags would: each serves a part of
    /// the 30 accounts, together every one exactly once, and says which shard it is.
    @Test func threeReplicasServeEveryAccountExactlyOnce() async throws {
        let api = StandInCloudflareAPI()
        let accounts = Self.ids(30)
        for account in accounts {
            api.reply(for: account.rawValue, with: .json(AnswerBuilder.success([AnswerBuilder.record()])))
        }
        try await api.serve { baseURL in
            func replica(_ index: Int) throws -> ExporterConfiguration {
                var options = CommandLineOptions()
                options.apiURL = baseURL
                options.accountIDs = accounts.map(\.rawValue)
                options.shard = index
                options.totalShards = 3
                options.rateLimit = "300/1s"
                return try ExporterConfiguration(options: options, environment: ["CLOUDFLARE_API_TOKEN": "token"])
            }
            let replicas = try (0..<3).map(replica)
            let served = try await RunningExporter.with(replicas[0]) { first in
                try await RunningExporter.with(replicas[1]) { second in
                    try await RunningExporter.with(replicas[2]) { third in
                        var served: [[String]] = []
                        for (index, replica) in [first, second, third].enumerated() {
                            // Until every account this replica was given is refreshed.
                            let parsed = try await replica.scrape { parsed in
                                parsed.matching("cloudflare_paygo_up").filter { $0.value == 1 }.count >= replicas[index].accounts.count
                            }
                            #expect(parsed.value("cloudflare_paygo_shard_info", ["shard": "\(index)", "total_shards": "3"]) == 1)
                            #expect(parsed.value("cloudflare_paygo_shard_accounts_seen") == 30)
                            #expect(parsed.value("cloudflare_paygo_rate_limit_requests_per_second") == 100, "300/1s split three ways")
                            served.append(parsed.matching("cloudflare_paygo_up").compactMap { $0.labels["account_id"] })
                        }
                        return served
                    }
                }
            }
            #expect(served.allSatisfy { !$0.isEmpty })
            #expect(served.flatMap { $0 }.sorted() == accounts.map(\.rawValue), "every account once, none twice")
            let asked = Set(api.usageRequests.compactMap { request in accounts.first { request.path.contains($0.rawValue) } })
            #expect(asked == Set(accounts), "each account's usage asked for by the replica that serves it")
        }
    }
}
