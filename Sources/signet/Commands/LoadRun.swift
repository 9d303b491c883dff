import AsyncHTTPClient
import Foundation
import NIOCore
import SignetCore
import Synchronization
import X509

/// One load run's requests: what to send, where, and what came back.
final class LoadRun: Sendable {
    let client: HTTPClient
    let plan: LoadPlan
    let restCA: String, token: String, dms: String
    let timeout: Int64
    let fleet: [ESTBenchFleet.Device]
    let csrs: [String]
    let received: ReceivedCertificates
    let tally = LoadTally()
    private let next = Atomic<Int>(0), nextEST = Atomic<Int>(0), nextREST = Atomic<Int>(0)

    init(client: HTTPClient, plan: LoadPlan, restCA: String, token: String, dms: String, timeout: Int64,
         fleet: [ESTBenchFleet.Device], csrs: [String], received: ReceivedCertificates) {
        self.client = client
        self.plan = plan
        self.restCA = restCA
        self.token = token
        self.dms = dms
        self.timeout = timeout
        self.fleet = fleet
        self.csrs = csrs
        self.received = received
    }


    /// Starts request n at start + n / rate, with at most `connections` in flight.
    func run(rate: Double, connections: Int, seconds: Double, count: Int) async {
        let started = ContinuousClock.now
        let end = started + .milliseconds(Int64(seconds * 1000))
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<connections {
                group.addTask {
                    while true {
                        let index = self.next.add(1, ordering: .relaxed).oldValue
                        let due = started + .microseconds(Int64(Double(index) * 1e6 / rate))
                        guard index < count, due < end else { return }
                        try? await Task.sleep(until: due, clock: .continuous)
                        await self.send(index)
                    }
                }
            }
        }
    }

    private func send(_ index: Int) async {
        let server = plan.server(for: index)
        let base = plan.urls[server]
        let request: HTTPClientRequest, kind: String
        if plan.isEST(index), case let device = nextEST.add(1, ordering: .relaxed).oldValue, device < fleet.count {
            request = estRequest(base, fleet[device])
            kind = "est"
        } else {
            request = restRequest(base, csr: csrs[min(nextREST.add(1, ordering: .relaxed).oldValue, csrs.count - 1)])
            kind = "rest"
        }
        let begin = ContinuousClock.now
        let (outcome, message, certificate) = await bounded { await self.send(request, kind: kind) }
        tally.record(outcome, after: ContinuousClock.now - begin, message: message)
        if let certificate {
            received.append(serial: certificate.serialNumber.bytes.lowercaseHex, kind: kind, server: server, commonName: certificate.commonName)
        }
    }

    private func restRequest(_ base: String, csr: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(base)/api/ca/v1/cas/\(restCA)/sign")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.body = .bytes(ByteBuffer(string: #"{"csr": "\#(csr)"}"#))
        return request
    }

    private func estRequest(_ base: String, _ device: ESTBenchFleet.Device) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "\(base)/.well-known/est/\(dms)/simpleenroll")
        request.method = .POST
        request.tlsConfiguration = device.tls
        request.headers.add(name: "Content-Type", value: "application/pkcs10")
        request.headers.add(name: "Connection", value: "close")
        request.body = .bytes(ByteBuffer(string: device.csrBase64))
        return request
    }

    /// The answer, or `timeout` a second after the client's own deadline: a request the HTTP
    /// client keeps queued (a server that stays down) must not hold the run past its bound.
    private func bounded(_ send: @escaping @Sendable () async -> (LoadOutcome, String?, Certificate?)) async -> (LoadOutcome, String?, Certificate?) {
        let limit = timeout
        // Not a task group: it would wait for a request that ignores cancellation.
        return await withCheckedContinuation { continuation in
            let pending = OneAnswer(continuation)
            let work = Task {
                let answer = await send()
                pending.take()?.resume(returning: answer)
            }
            Task {
                try? await Task.sleep(for: .seconds(limit + 1))
                if let waiter = pending.take() {
                    work.cancel()
                    waiter.resume(returning: (.timeout, "no answer within \(limit + 1) s", nil))
                }
            }
        }
    }

    private func send(_ request: HTTPClientRequest, kind: String) async -> (LoadOutcome, String?, Certificate?) {
        do {
            let response = try await client.execute(request, timeout: .seconds(timeout))
            let body = Array(buffer: try await response.body.collect(upTo: 1 << 20))
            let text = { "\(kind) \(response.status.code): \(String(decoding: body.prefix(300), as: UTF8.self))" }
            switch response.status.code {
            case 200, 201:
                do {
                    return (.issued, nil, try kind == "est" ? LoadWire.certificate(fromCertsOnly: body) : Self.certificate(fromSignAnswer: body))
                } catch {
                    return (.unreadable, "\(error): \(text())", nil)
                }
            case 502 where kind == "est", 503:
                let retryAfter = response.headers.first(name: "Retry-After") != nil
                return (retryAfter ? .unavailable : .unavailableWithoutRetryAfter, text(), nil)
            case 400..<500: return (.refused, text(), nil)
            default: return (.serverError, text(), nil)
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            return (.timeout, "\(kind): \(error)", nil)
        } catch {
            return (.transport, "\(kind): \(error)", nil)
        }
    }

    static func certificate(fromSignAnswer body: [UInt8]) throws -> Certificate {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let pem = object["certificate"] as? String else {
            throw LoadError("the sign answer has no certificate")
        }
        return try Certificate(pemEncoded: pem)
    }
}

/// A continuation that the first of two racing tasks takes.
final class OneAnswer: Sendable {
    private let waiter: Mutex<CheckedContinuation<(LoadOutcome, String?, Certificate?), Never>?>
    init(_ waiter: CheckedContinuation<(LoadOutcome, String?, Certificate?), Never>) { self.waiter = Mutex(waiter) }
    func take() -> CheckedContinuation<(LoadOutcome, String?, Certificate?), Never>? { waiter.withLock { $0.take() } }
}

/// Which server and which protocol request n uses.
struct LoadPlan: Sendable {
    let urls: [String]
    let estPercent: Int

    func server(for index: Int) -> Int { index % urls.count }
    func isEST(_ index: Int) -> Bool { index % 100 < estPercent }
}

extension Certificate {
    /// The subject's common name, or "" without one.
    var commonName: String {
        subject.flatMap { $0 }.first { $0.type == .RDNAttributeType.commonName }.map { String(describing: $0.value) } ?? ""
    }
}
