import AsyncHTTPClient
import Foundation
import NIOCore
import SignetDMS
import SignetQuery

/// Asks a DMS's external webhook whether an enrollment may go ahead. Fail closed: anything
/// but a timely 2xx answer `{"allowed": true}` refuses.
///
/// Request (POST, JSON): `{"dms_id", "device_id", "operation", "csr", "client_certificate"}`
/// (DER as base64; the certificate null when none was presented). Answer: `{"allowed": bool,
/// "reason": "…"}`.
public struct ESTWebhook: Sendable {
    let client: HTTPClient

    public init(client: HTTPClient) {
        self.client = client
    }

    static let maximumAnswer = 64 << 10

    func authorize(_ settings: WebhookSettings, dms: String, deviceID: String, operation: String, csr: [UInt8], clientCertificate: [UInt8]?) async throws {
        let payload: JSONValue = .object([
            "dms_id": .string(dms), "device_id": .string(deviceID), "operation": .string(operation),
            "csr": .string(Data(csr).base64EncodedString()),
            "client_certificate": clientCertificate.map { .string(Data($0).base64EncodedString()) } ?? .null,
        ])
        var request = HTTPClientRequest(url: settings.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: payload.encoded()))
        let answer: JSONValue
        let status: UInt
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(settings.timeout.seconds * 1000)))
            status = response.status.code
            let body = try await response.body.collect(upTo: Self.maximumAnswer)
            answer = (try? JSONValue(parsing: Data(body.readableBytesView))) ?? .null
        } catch {
            throw ESTRefusal(.gatewayTimeout, rule: "est.webhook", "the enrollment webhook did not answer within \(settings.timeout); enrollment is refused until it does")
        }
        guard (200..<300).contains(status) else {
            // A 4xx is the webhook's no; a 5xx is its failure, which may pass.
            throw ESTRefusal(status >= 500 ? .badGateway : .badRequest, rule: "est.webhook", "the enrollment webhook answered HTTP \(status); enrollment refused")
        }
        guard case .object(let fields) = answer, case .bool(let allowed)? = fields["allowed"] else {
            throw ESTRefusal(.badGateway, rule: "est.webhook", "the enrollment webhook's answer has no \"allowed\": true/false; enrollment refused")
        }
        guard allowed else {
            let reason: String = if case .string(let text)? = fields["reason"] { ": \(text)" } else { "" }
            throw ESTRefusal.refused("est.webhook", "the enrollment webhook refused device '\(deviceID)'\(reason)")
        }
    }
}
