import NIOHTTP1
import Testing

@testable import PaygoExporter

/// The token's quota as Cloudflare's headers report it (both generations, hostile values), and
/// how the request budget slows down when it runs low, at exact instants.
@Suite struct RateLimitQuotaTests {
    static func headers(_ pairs: [(String, String)]) -> HTTPHeaders { HTTPHeaders(pairs) }

    @Test func theDraftHeadersGiveRemainingResetAndPolicy() {
        let quota = RateLimitQuota.parse(
            Self.headers([("Ratelimit", #""default";r=50;t=30"#), ("Ratelimit-Policy", #""burst";q=100;w=60"#)]), now: 0)
        #expect(quota == RateLimitQuota(remaining: 50, resetSeconds: 30, limit: 100, windowSeconds: 60))
        // Several limits at once: the tightest counts.
        let two = RateLimitQuota.parse(Self.headers([("RateLimit", #""default";r=50;t=30, "hour";r=7;t=900"#)]), now: 0)
        #expect(two == RateLimitQuota(remaining: 7, resetSeconds: 900))
    }

    @Test func theOlderHeadersGiveRemainingLimitAndAResetDate() {
        let quota = RateLimitQuota.parse(
            Self.headers([
                ("X-RateLimit-Limit", "1200"), ("X-RateLimit-Remaining", "17"), ("X-RateLimit-Reset", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ]), now: 784_111_737)
        #expect(quota == RateLimitQuota(remaining: 17, resetSeconds: 40, limit: 1_200))
        #expect(
            RateLimitQuota.parse(Self.headers([("X-RateLimit-Remaining", "3"), ("X-RateLimit-Reset", "12")]), now: 0)?.resetSeconds == 12)
        #expect(RateLimitQuota.parse(Self.headers([("Content-Type", "application/json")]), now: 0) == nil)
    }

    @Test func hostileValuesAreSaturatedOrIgnored() {
        let huge = RateLimitQuota.parse(
            Self.headers([("Ratelimit", #""d";r=\#(String(repeating: "9", count: 400));t=99999999999999999999"#)]), now: 0)
        #expect(huge == RateLimitQuota(remaining: RateLimitQuota.maxNumber, resetSeconds: Double(RateLimitQuota.maxNumber)))
        for value in ["-5", "1e3", "0x10", "", "12 13", "١٢"] {
            #expect(RateLimitQuota.parse(Self.headers([("X-RateLimit-Remaining", value)]), now: 0) == nil, "\(value)")
        }
        // A list of 500 items is read up to its 16th; the rest cannot cost anything.
        let long = String(repeating: #""d";r=1000,"#, count: 500) + #""d";r=1"#
        #expect(RateLimitQuota.parse(Self.headers([("Ratelimit", long)]), now: 0)?.remaining == 1_000)
        #expect(RateLimitQuota.parse(Self.headers([("Ratelimit", "nonsense"), ("X-RateLimit-Remaining", "4")]), now: 0)?.remaining == 4)
        #expect(
            RateLimitQuota.parse(Self.headers([("X-RateLimit-Remaining", "4"), ("X-RateLimit-Reset", "soon")]), now: 0)?.resetSeconds == nil
        )
    }

    /// 100 calls per 10 s: 100 ms apart, a burst of 10. The token reports 25 left for 10 s: less
    /// the reserve of 5 (a twentieth of its 100), 20 calls over 10 s, 500 ms apart, no burst.
    @Test func aLowQuotaSpreadsTheCallsLeftOverTheTimeToTheReset() {
        let budget = RequestBudget(rate: RequestRate(requests: 100, perSeconds: 10))
        let asked = ContinuousClock.now + .seconds(1)
        budget.observe(RateLimitQuota(remaining: 25, resetSeconds: 10, limit: 100), at: asked)
        let sendTimes = (0..<20).map { _ in budget.reserve(at: asked) }
        for (index, time) in sendTimes.enumerated() {
            #expect(time == asked + .milliseconds(500) * (index + 1), "call \(index)")
        }
        #expect(budget.reportedQuota?.remaining == 25)
        // Once the window has reset, the budget's own pace and burst are back.
        let later = asked + .seconds(30)
        #expect((0..<10).map { _ in budget.reserve(at: later) }.allSatisfy { $0 == later })
        #expect(budget.reserve(at: later) == later + .milliseconds(100))
    }

    @Test func withOnlyTheReserveLeftCallsWaitForTheResetAtMostFiveMinutes() {
        let budget = RequestBudget(rate: RequestRate(requests: 100, perSeconds: 10))
        let asked = ContinuousClock.now + .seconds(1)
        budget.observe(RateLimitQuota(remaining: 5, resetSeconds: 30, limit: 100), at: asked)
        #expect(budget.reserve(at: asked) == asked + .seconds(30))
        let capped = RequestBudget(rate: RequestRate(requests: 100, perSeconds: 10))
        capped.observe(RateLimitQuota(remaining: 0, resetSeconds: 1e9), at: asked)
        #expect(capped.reserve(at: asked) == asked + .seconds(300))
    }

    /// Calls queued while only the reserve is left go from the reset on at the budget's pace,
    /// without a burst: the hold is one wait, not a spacing of one reset between calls.
    @Test func callsQueuedBehindAHoldGoAtTheBudgetsPaceFromTheReset() {
        let budget = RequestBudget(rate: RequestRate(requests: 100, perSeconds: 10))
        let asked = ContinuousClock.now + .seconds(1)
        budget.observe(RateLimitQuota(remaining: 40, limit: 1_200), at: asked)
        let reset = asked + .seconds(10)
        let sendTimes = (0..<8).map { _ in budget.reserve(at: asked) }
        for (index, time) in sendTimes.enumerated() {
            #expect(time == reset + .milliseconds(100) * index, "call \(index)")
        }
        // A call that had reserved an earlier instant and woke during the hold asks again.
        let woken = asked + .seconds(2)
        #expect(budget.reserve(at: woken) == reset + .milliseconds(800))
        // After the reset, the pace goes on from where the queue left it, then the burst is back.
        let later = reset + .seconds(30)
        #expect((0..<10).map { _ in budget.reserve(at: later) }.allSatisfy { $0 == later })
    }

    /// A reloaded rate paces the calls reserved after it; the ones reserved before keep theirs.
    @Test func aNewRatePacesTheCallsReservedAfterIt() {
        let budget = RequestBudget(rate: RequestRate(requests: 10, perSeconds: 1))
        let asked = ContinuousClock.now + .seconds(1)
        #expect(budget.reserve(at: asked) == asked)
        #expect(budget.reserve(at: asked) == asked + .milliseconds(100))
        let generation = budget.generation
        budget.setRate(RequestRate(requests: 5, perSeconds: 1))
        #expect(budget.rate == RequestRate(requests: 5, perSeconds: 1))
        #expect(budget.generation != generation, "the rate's metric is rendered again")
        #expect(budget.reserve(at: asked) == asked + .milliseconds(200))
        #expect(budget.reserve(at: asked) == asked + .milliseconds(400))
    }

    /// A call that was already waiting for its slot when an answer said only the reserve is
    /// left does not go at its slot: it waits for the reset, on the budget's clock.
    @Test func aCallReservedBeforeTheQuotaRanOutWaitsForTheReset() async throws {
        let clock = TestClock()
        let budget = RequestBudget(rate: RequestRate(requests: 10, perSeconds: 1), clock: clock)
        try await budget.acquire()
        let waiting = Task {
            try await budget.acquire()
            return clock.now
        }
        try await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == clock.start + .milliseconds(100))
        budget.observe(RateLimitQuota(remaining: 2, resetSeconds: 4), at: clock.now)
        clock.advance(by: .milliseconds(100))
        try await clock.waitForSleepers(1)
        #expect(clock.nextDeadline == clock.start + .seconds(4), "held until the reset")
        clock.advance(by: .milliseconds(3_900))
        #expect(try await waiting.value == clock.start + .seconds(4))
    }

    @Test func aQuotaWithRoomChangesNothing() {
        let budget = RequestBudget(rate: RequestRate(requests: 100, perSeconds: 10))
        let asked = ContinuousClock.now + .seconds(1)
        budget.observe(RateLimitQuota(remaining: 1_000, resetSeconds: 10, limit: 1_200), at: asked)
        let sendTimes = (0..<11).map { _ in budget.reserve(at: asked) }
        #expect(sendTimes[..<10].allSatisfy { $0 == asked }, "the burst")
        #expect(sendTimes[10] == asked + .milliseconds(100))
    }
}
