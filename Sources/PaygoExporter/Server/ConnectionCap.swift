/// Which connections `--web.max-connections` lets in: a pure state machine, owned by
/// `WebConnections`, returning what to do.
///
/// At the cap, a new connection takes the place of the one that has been idle longest (no
/// request in flight), and is refused only when every connection is busy. Refusing new ones
/// instead would let a flood of idle connections lock Prometheus out until they time out.
struct ConnectionCap {
    struct ConnectionID: Hashable, Sendable {
        fileprivate let raw: UInt64
    }

    enum Admission: Equatable {
        case admitted
        /// Admitted in the place of this idle connection, which is to be closed.
        case admittedInPlaceOf(ConnectionID)
        /// Every connection is busy: the new one is to be closed.
        case refused
    }

    private struct Connection {
        var busy = false
        /// When the connection last fell idle (or opened), in `ticks`.
        var idleSince: UInt64
    }

    let limit: Int
    private var connections: [ConnectionID: Connection] = [:]
    private var nextID: UInt64 = 0
    /// Orders the moments connections fell idle; cheaper than a clock and never equal.
    private var ticks: UInt64 = 0
    /// Idle connections closed to make room.
    private(set) var evicted: UInt64 = 0
    /// New connections closed because every connection was busy.
    private(set) var refused: UInt64 = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var openConnections: Int { connections.count }

    mutating func open() -> (id: ConnectionID, admission: Admission) {
        nextID += 1
        let id = ConnectionID(raw: nextID)
        var admission = Admission.admitted
        if connections.count >= limit {
            // A linear scan, only at the cap: a few hundred entries cost less than the accept.
            var oldest: (id: ConnectionID, idleSince: UInt64)?
            for (candidate, connection) in connections where !connection.busy && connection.idleSince < (oldest?.idleSince ?? .max) {
                oldest = (candidate, connection.idleSince)
            }
            guard let oldest = oldest?.id else {
                refused += 1
                return (id, .refused)
            }
            connections[oldest] = nil
            evicted += 1
            admission = .admittedInPlaceOf(oldest)
        }
        ticks += 1
        connections[id] = Connection(idleSince: ticks)
        return (id, admission)
    }

    /// A request head arrived on an idle connection.
    mutating func becameBusy(_ id: ConnectionID) {
        connections[id]?.busy = true
    }

    /// The last answer owed on the connection has been written.
    mutating func becameIdle(_ id: ConnectionID) {
        guard connections[id] != nil else { return }
        ticks += 1
        connections[id] = Connection(busy: false, idleSince: ticks)
    }

    /// Closed for any reason; nothing to do for one already evicted.
    mutating func closed(_ id: ConnectionID) {
        connections[id] = nil
    }
}
