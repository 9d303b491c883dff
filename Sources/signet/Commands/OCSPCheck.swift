import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization
import X509

/// Asks the servers (round robin) over OCSP about each certificate given; every one must
/// be `good`. A certificate a client received is one the CA stands behind: an `unknown`
/// would mean the store lost it, a failure that the responder cannot find it.
struct OCSPCheck: Sendable {
    let client: HTTPClient
    let urls: [String]
    let issuer: Certificate
    let connections: Int

    func run(_ certificates: [Certificate]) async throws -> String {
        let requests = try certificates.map { try LoadWire.ocspRequest(serial: $0.serialNumber, issuer: issuer) }
        let progress = Progress()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, connections) {
                group.addTask {
                    while case let index = progress.next.add(1, ordering: .relaxed).oldValue, index < requests.count {
                        let outcome = await check(requests[index], server: urls[index % urls.count])
                        let serial = certificates[index].serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
                        progress.results.withLock { outcome == nil ? ($0.good += 1) : $0.other.append("\(serial): \(outcome!)") }
                    }
                }
            }
        }
        return progress.results.withLock { results in
            var line = "ocsp: checked=\(certificates.count) good=\(results.good) not_good=\(results.other.count)"
            for failure in results.other.prefix(20) { line += "\n  \(failure)" }
            return line
        }
    }

    final class Progress: Sendable {
        let next = Atomic<Int>(0)
        let results = Mutex<(good: Int, other: [String])>((0, []))
    }

    /// nil when the answer is `good`, otherwise what was wrong.
    private func check(_ der: [UInt8], server: String) async -> String? {
        var request = HTTPClientRequest(url: server + "/ocsp")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/ocsp-request")
        request.body = .bytes(ByteBuffer(bytes: der))
        do {
            let response = try await client.execute(request, timeout: .seconds(20))
            let body = Array(buffer: try await response.body.collect(upTo: 1 << 16))
            guard response.status == .ok else { return "HTTP \(response.status.code)" }
            let status = try LoadWire.ocspStatus(body)
            return status == .good ? nil : status.rawValue
        } catch {
            return "\(error)"
        }
    }
}
