import Synchronization

/// Progress of a remote-write backfill on stderr: on a terminal, one bar redrawn in place
/// (windows done of accounts x windows, samples sent, rate, ETA); elsewhere (a log, CI), one
/// line per window, which is what a log keeps best.
public final class BackfillProgress: Sendable {
    private struct State {
        var accounts = 0
        var windows = 0
        var windowsDone = 0
        var samplesSent = 0
        /// Of the window being sent: how many samples it holds, how many have gone.
        var windowSamples = 0
        var windowSent = 0
        var started: ContinuousClock.Instant?
        var windowStarted: ContinuousClock.Instant?
        var lastDrawn: ContinuousClock.Instant?
    }

    private let clock: any ExporterClock
    private let terminal: (@Sendable (String) -> Void)?
    private let lines: @Sendable (String) -> Void
    private let state = Mutex(State())
    /// A terminal is redrawn at most this often, however fast requests land.
    static let redrawInterval = Duration.milliseconds(200)

    /// - Parameters:
    ///   - terminal: writes text as is (no newline added); set when stderr is a terminal.
    ///   - lines: writes one line (the newline added).
    public init(clock: any ExporterClock, terminal: (@Sendable (String) -> Void)?, lines: @escaping @Sendable (String) -> Void) {
        self.clock = clock
        self.terminal = terminal
        self.lines = lines
    }

    func start(accounts: Int, windows: Int) {
        let now = clock.now
        state.withLock { state in
            state.accounts = accounts
            state.windows = windows
            state.started = now
        }
        draw(force: true)
    }

    func windowStarted(samples: Int) {
        let now = clock.now
        state.withLock { state in
            state.windowSamples = samples
            state.windowSent = 0
            state.windowStarted = now
        }
    }

    func sent(samples: Int) {
        state.withLock { state in
            state.samplesSent += samples
            state.windowSent += samples
        }
        draw(force: false)
    }

    /// `what` names the window, e.g. "account 1/2 <id>, window 1/2 2026-08-25..2026-10-25".
    func windowFinished(_ what: String, records: Int) {
        let now = clock.now
        let (samples, seconds) = state.withLock { state in
            state.windowsDone += 1
            let seconds = state.windowStarted.map { (now - $0).seconds } ?? 0
            return (state.windowSent, seconds)
        }
        if terminal == nil {
            lines("backfill: \(what): \(records) records, \(Self.grouped(samples)) samples sent in \(Self.formatSeconds(seconds))")
        } else {
            draw(force: true)
        }
    }

    /// A line that stays: on a terminal the bar is cleared first and redrawn under it.
    func say(_ line: String) {
        if let terminal {
            terminal("\r\u{1B}[K" + line + "\n")
            draw(force: true)
        } else {
            lines(line)
        }
    }

    /// Ends the bar's line, then writes `line`.
    func finish(_ line: String) {
        if let terminal {
            draw(force: true)
            terminal("\n")
        }
        lines(line)
    }

    /// Samples sent so far and seconds since `start`.
    var totals: (samples: Int, seconds: Double) {
        let now = clock.now
        return state.withLock { ($0.samplesSent, $0.started.map { (now - $0).seconds } ?? 0) }
    }

    private func draw(force: Bool) {
        guard let terminal else { return }
        let now = clock.now
        let text: String? = state.withLock { state in
            if !force, let last = state.lastDrawn, now - last < Self.redrawInterval { return nil }
            state.lastDrawn = now
            let elapsed = state.started.map { (now - $0).seconds } ?? 0
            let window = state.windowSamples > 0 ? min(1, Double(state.windowSent) / Double(state.windowSamples)) : 0
            let done = state.windowsDone < state.windows ? Double(state.windowsDone) + window : Double(state.windows)
            return Self.bar(
                accounts: state.accounts, windows: state.windows, done: done, samples: state.samplesSent, elapsedSeconds: elapsed)
        }
        if let text { terminal("\r\u{1B}[K" + text) }
    }

    /// The bar's text: e.g. `[#########-----------] 1.4/3 windows (1 account x 3) · 812,000
    /// samples · 95,000 samples/s · ETA 12s`. `done` counts windows, a partly sent one as a
    /// fraction.
    static func bar(accounts: Int, windows: Int, done: Double, samples: Int, elapsedSeconds: Double) -> String {
        let width = 20
        let fraction = windows > 0 ? min(1, max(0, done / Double(windows))) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let rate = elapsedSeconds > 0 ? Double(samples) / elapsedSeconds : 0
        let eta: String
        if fraction >= 1 {
            eta = "done in \(formatSeconds(elapsedSeconds))"
        } else if fraction > 0, elapsedSeconds > 0 {
            eta = "ETA \(formatSeconds(elapsedSeconds * (1 - fraction) / fraction))"
        } else {
            eta = "ETA --"
        }
        let perAccount = accounts > 0 ? (windows + accounts - 1) / accounts : 0
        let shownDone = done == done.rounded(.down) ? "\(Int(done))" : "\((done * 10).rounded(.down) / 10)"
        return "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            + "\(shownDone)/\(windows) windows (\(accounts) account\(accounts == 1 ? "" : "s") x \(perAccount)) · "
            + "\(grouped(samples)) samples · \(grouped(Int(rate.rounded()))) samples/s · \(eta)"
    }

    /// 1234567 as "1,234,567".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// Seconds as "0.4s", "42s", "3m05s", "1h02m".
    static func formatSeconds(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        if seconds < 10 { return "\((seconds * 10).rounded() / 10)s" }
        let whole = Int(min(seconds, 1e9).rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3_600 { return "\(whole / 60)m" + String(format2: whole % 60) + "s" }
        return "\(whole / 3_600)h" + String(format2: whole / 60 % 60) + "m"
    }
}

extension String {
    /// Two digits, zero-padded.
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
