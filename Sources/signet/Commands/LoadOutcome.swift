import Foundation
import Synchronization

/// How one request of a fault run ended, from the client's side. A load balancer in front
/// of several servers sees the same classes: only `serverError` and `refused` are defects
/// when the requests are valid; the others are what an outage may honestly cause.
enum LoadOutcome: String, CaseIterable, Sendable {
    /// A certificate came back (recorded).
    case issued
    /// 503, or EST's 502, with Retry-After: the server said it cannot serve now.
    case unavailable
    /// The same without Retry-After: the client is not told when to come back.
    case unavailableWithoutRetryAfter = "unavailable_without_retry_after"
    /// Another 4xx for a valid request.
    case refused
    /// 500 or another 5xx: never acceptable.
    case serverError = "server_error"
    /// No HTTP answer: connection refused or reset (a server killed, restarting).
    case transport
    /// No answer within the client's timeout: the request hung past every deadline.
    case timeout
    /// A 2xx whose body held no readable certificate.
    case unreadable
}

/// The tally of a run, shared by its workers.
final class LoadTally: Sendable {
    private struct State {
        var counts: [LoadOutcome: Int] = [:]
        var firstMessage: [LoadOutcome: String] = [:]
        var slowest: Duration = .zero
    }
    private let state = Mutex(State())

    func record(_ outcome: LoadOutcome, after latency: Duration, message: @autoclosure () -> String? = nil) {
        state.withLock { state in
            state.counts[outcome, default: 0] += 1
            if state.firstMessage[outcome] == nil, let message = message() { state.firstMessage[outcome] = String(message.prefix(300)) }
            state.slowest = max(state.slowest, latency)
        }
    }

    func count(_ outcome: LoadOutcome) -> Int { state.withLock { $0.counts[outcome, default: 0] } }

    /// One line of `key=value` pairs (for scripts), then the first message of each class seen.
    func summary(label: String) -> String {
        state.withLock { state in
            let sent = state.counts.values.reduce(0, +)
            let slowest = Double(state.slowest.components.seconds) * 1000 + Double(state.slowest.components.attoseconds) / 1e15
            var line = "\(label): sent=\(sent)"
            for outcome in LoadOutcome.allCases { line += " \(outcome.rawValue)=\(state.counts[outcome, default: 0])" }
            line += String(format: " slowest_ms=%.0f", slowest)
            for outcome in LoadOutcome.allCases where outcome != .issued {
                if let message = state.firstMessage[outcome] { line += "\n  first \(outcome.rawValue): \(message.replacingOccurrences(of: "\n", with: " "))" }
            }
            return line
        }
    }
}

/// The certificates a run received, appended as they arrive (serial, kind, server, common
/// name; tab-separated), so that a client killed with its servers still leaves its record.
final class ReceivedCertificates: Sendable {
    private let handle: Mutex<FileHandle?>

    init(path: String?) throws {
        guard let path else { handle = Mutex(nil); return }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let file = FileHandle(forWritingAtPath: path) else { throw LoadError("cannot write \(path)") }
        handle = Mutex(file)
    }

    func append(serial: String, kind: String, server: Int, commonName: String) {
        handle.withLock { file in file?.write(Data("\(serial)\t\(kind)\t\(server)\t\(commonName)\n".utf8)) }
    }

    func close() { handle.withLock { file in try? file?.close(); file = nil } }
}

struct LoadError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
