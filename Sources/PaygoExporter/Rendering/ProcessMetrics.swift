import PrometheusExposition

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard `process_*` families, read from /proc on each scrape as other exporters do.
/// On systems without /proc the families are left out rather than faked.
public enum ProcessMetrics {
    static let cpu = MetricDescriptor(
        name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: .counter, unit: "seconds")
    static let openFDs = MetricDescriptor(name: "process_open_fds", help: "Number of open file descriptors.", type: .gauge)
    static let maxFDs = MetricDescriptor(name: "process_max_fds", help: "Maximum number of open file descriptors.", type: .gauge)
    static let residentMemory = MetricDescriptor(
        name: "process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge, unit: "bytes")
    static let virtualMemory = MetricDescriptor(
        name: "process_virtual_memory_bytes", help: "Virtual memory size in bytes.", type: .gauge, unit: "bytes")
    static let virtualMemoryMax = MetricDescriptor(
        name: "process_virtual_memory_max_bytes", help: "Maximum amount of virtual memory available in bytes.", type: .gauge, unit: "bytes")
    static let startTime = MetricDescriptor(
        name: "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.", type: .gauge, unit: "seconds")

    /// Every family this type serves, for `MetricCatalog.families`.
    static let descriptors = [cpu, openFDs, maxFDs, residentMemory, virtualMemory, virtualMemoryMax, startTime]

    /// Boot time never changes while we run; read it once.
    private static let bootTime: Double? = readFile("/proc/stat").flatMap { text in
        text.split(separator: "\n").first { $0.hasPrefix("btime ") }.flatMap { Double($0.dropFirst(6).trimmingCharacters(in: " ")) }
    }

    /// Appends the process families, in name order, to `output`.
    public static func append(to output: inout [UInt8], format: ExpositionFormat = .prometheusText) {
        var families: [MetricFamily] = []
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") {
            // Fields after the parenthesised command name, which may itself hold spaces.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // fields[0] is field 3 (state) of proc(5).
            func field(_ number: Int) -> Double? { fields.count > number - 3 ? Double(fields[number - 3]) : nil }
            if let user = field(14), let system = field(15) {
                families.append(MetricFamily(cpu, samples: [Sample(labels: [], value: (user + system) / ticks)]))
            }
            if let virtual = field(23) {
                families.append(MetricFamily(virtualMemory, samples: [Sample(labels: [], value: virtual)]))
            }
            if let rss = field(24) {
                families.append(MetricFamily(residentMemory, samples: [Sample(labels: [], value: rss * pageSize)]))
            }
            if let start = field(22), let bootTime {
                families.append(MetricFamily(startTime, samples: [Sample(labels: [], value: bootTime + start / ticks)]))
            }
        }
        if let count = countOpenFileDescriptors() {
            families.append(MetricFamily(openFDs, samples: [Sample(labels: [], value: Double(count))]))
        }
        if let limits = readFile("/proc/self/limits") {
            if let value = softLimit(in: limits, named: "Max open files") {
                families.append(MetricFamily(maxFDs, samples: [Sample(labels: [], value: value)]))
            }
            if let value = softLimit(in: limits, named: "Max address space") {
                families.append(MetricFamily(virtualMemoryMax, samples: [Sample(labels: [], value: value)]))
            }
        }
        output.append(contentsOf: format.encode(families, terminated: false))
    }

    /// The soft limit of a /proc/self/limits row; "unlimited" reads as the largest value, as
    /// Prometheus's Go client reports it.
    private static func softLimit(in limits: String, named name: String) -> Double? {
        guard let line = limits.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
        let soft = line.dropFirst(name.count).split(separator: " ").first
        if soft == "unlimited" { return Double(UInt64.max) }
        return soft.flatMap { Double($0) }
    }

    static func countOpenFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDotEntry = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDotEntry { count += 1 }
        }
        // The directory handle itself is one of the entries.
        return count - 1
    }

    /// Reads a small /proc file whole; nil where it does not exist.
    static func readFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
