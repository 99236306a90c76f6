import NIOCore
import PrometheusExposition
import Synchronization

/// Every open connection of the HTTP server, under `--web.max-connections` (see
/// `ConnectionCap`): the one owner of that state, shared by every connection's
/// `ConnectionCapHandler`, and the source of the `cloudflare_paygo_web_*` families.
final class WebConnections: MetricSource {
    /// What the families show. They are read into the scrape's tail with the process families,
    /// at most once a second, so a gauge that moves with every connection costs no rebuild of
    /// the usage body.
    private struct Figures {
        var open = 0
        var evicted: UInt64 = 0
        var refused: UInt64 = 0
    }

    private struct State {
        var cap: ConnectionCap
        var channels: [ConnectionCap.ConnectionID: any Channel] = [:]

        var current: Figures { Figures(open: cap.openConnections, evicted: cap.evicted, refused: cap.refused) }
    }

    /// The cap in force: `--web.max-connections`, or lower when descriptors are short.
    let limit: Int
    private let state: Mutex<State>

    init(limit: Int) {
        let cap = ConnectionCap(limit: limit)
        self.limit = cap.limit
        state = Mutex(State(cap: cap))
    }

    /// Admits a connection that has just opened: its id, or nil when it is to be closed
    /// because every connection is busy. Closes the idle connection it takes the place of.
    func open(_ channel: any Channel) -> ConnectionCap.ConnectionID? {
        let (id, evicted): (ConnectionCap.ConnectionID?, (any Channel)?) = state.withLock { state in
            let (id, admission) = state.cap.open()
            switch admission {
            case .admitted:
                state.channels[id] = channel
                return (id, nil)
            case .admittedInPlaceOf(let oldest):
                state.channels[id] = channel
                return (id, state.channels.removeValue(forKey: oldest))
            case .refused:
                return (nil, nil)
            }
        }
        // Outside the lock: a close runs handlers, on whichever loop the channel lives.
        evicted?.close(promise: nil)
        return id
    }

    func becameBusy(_ id: ConnectionCap.ConnectionID) {
        state.withLock { $0.cap.becameBusy(id) }
    }

    func becameIdle(_ id: ConnectionCap.ConnectionID) {
        state.withLock { $0.cap.becameIdle(id) }
    }

    func closed(_ id: ConnectionCap.ConnectionID) {
        state.withLock { state in
            state.cap.closed(id)
            state.channels[id] = nil
        }
    }

    func families() -> [MetricFamily] {
        let figures = state.withLock { $0.current }
        return [
            MetricFamily(MetricCatalog.webConnections, samples: [Sample(labels: [], value: Double(figures.open))]),
            MetricFamily(MetricCatalog.webMaxConnections, samples: [Sample(labels: [], value: Double(limit))]),
            MetricFamily(
                MetricCatalog.webConnectionsClosed,
                samples: [
                    Sample(labels: [Label("reason", "evicted")], value: Double(figures.evicted)),
                    Sample(labels: [Label("reason", "limit")], value: Double(figures.refused)),
                ]),
        ]
    }
}
