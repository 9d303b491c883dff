import Foundation

/// CPU time the whole machine spent busy (every process, the kernel included), read from
/// `/proc/stat`. A benchmark divides it by the work done: unlike a rate, a cost per item
/// does not move with what else happens to be waiting for the CPU.
struct MachineCPU {
    let busySeconds: Double

    static func now() -> MachineCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let total = stat.split(separator: "\n").first, total.hasPrefix("cpu ") else { return nil }
        // user nice system idle iowait irq softirq steal: busy is what ran here (not idle,
        // iowait, or steal: time the hypervisor gave to someone else).
        let ticks = total.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
        return MachineCPU(busySeconds: busy / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Busy CPU microseconds per item between `start` and now, or nil without `/proc/stat`.
    static func microsecondsPerItem(since start: MachineCPU?, items: Int) -> Double? {
        guard let start, let end = now(), items > 0 else { return nil }
        return (end.busySeconds - start.busySeconds) * 1e6 / Double(items)
    }
}
