import Foundation

/// Resident memory of this process from /proc/self/status, in bytes.
enum ProcessMemory {
    static func residentBytes() -> Int { field("VmRSS:") }

    /// The high-water mark of resident memory since the process started.
    static func peakResidentBytes() -> Int { field("VmHWM:") }

    /// Starts the high-water mark again from the current RSS (Linux: clear_refs, value 5).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    private static func field(_ name: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }
}
