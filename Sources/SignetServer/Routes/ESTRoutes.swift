import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOSSL
import SignetCore
import SignetEST
import SignetMetrics
import SignetStore

/// `/.well-known/est/…` (RFC 7030, RFC 8951), with or without an APS segment naming the DMS.
/// Answers are in EST's own formats (base64 bodies, plain-text errors), not the API's JSON.
enum ESTRoutes {
    static let prefix = "/.well-known/est"

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        // The plain paths have no `aps` parameter, so the name is nil there: the default DMS.
        for path in [prefix, "\(prefix)/{aps}"] {
            @Sendable func name(_ context: SignetRequestContext) -> String? { context.parameters.get("aps") }
            routes.add(.get, "\(path)/cacerts", roles: nil) { _, context in
                try await answer(context, operation: "cacerts", services: services) {
                    certsOnly(try await services.est.caCertificates(aps: name(context)))
                }
            }
            routes.add(.get, "\(path)/csrattrs", roles: nil) { _, context in
                try await answer(context, operation: "csrattrs", services: services) {
                    base64(try await services.est.csrAttributes(aps: name(context)), contentType: "application/csrattrs")
                }
            }
            routes.add(.post, "\(path)/simpleenroll", roles: nil) { request, context in
                try await answer(context, operation: "simpleenroll", services: services) {
                    let (body, client) = try await read(request, context: context)
                    return certsOnly([try await services.est.enroll(aps: name(context), body: body, client: client)])
                }
            }
            routes.add(.post, "\(path)/serverkeygen", roles: nil) { request, context in
                try await answer(context, operation: "serverkeygen", services: services) {
                    let (body, client) = try await read(request, context: context)
                    return multipart(try await services.est.serverKeygen(aps: name(context), body: body, client: client))
                }
            }
            routes.add(.post, "\(path)/simplereenroll", roles: nil) { request, context in
                try await answer(context, operation: "simplereenroll", services: services) {
                    let (body, client) = try await read(request, context: context)
                    return certsOnly([try await services.est.reenroll(aps: name(context), body: body, client: client)])
                }
            }
        }
    }

    /// The CSR body (checked for its type and size) and how the client authenticated.
    static func read(_ request: Request, context: SignetRequestContext) async throws -> ([UInt8], ESTService.Client) {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/pkcs10" else {
            throw ESTRefusal(.badRequest, rule: "est.content_type", "expected Content-Type application/pkcs10, got \(type ?? "none")")
        }
        let body: [UInt8]
        do { body = try await RequestBody.bytes(request, context: context, limit: ESTWire.maximumBody) } catch is APIError {
            throw ESTRefusal.init(.badRequest, rule: "est.request", "the body is larger than \(ESTWire.maximumBody) bytes")
        }
        var client = ESTService.Client(certificate: try await peerCertificate(context))
        if let (user, password) = basicCredentials(request) {
            client.username = user
            client.password = password
        }
        return (body, client)
    }

    static func peerCertificate(_ context: SignetRequestContext) async throws -> [UInt8]? {
        let channel = context.channel
        let certificate = try? await channel.eventLoop.submit { try channel.pipeline.syncOperations.nioSSL_peerCertificate() }.get()
        return try certificate?.toDERBytes()
    }

    static func basicCredentials(_ request: Request) -> (String, String)? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static func certsOnly(_ certificates: [[UInt8]]) -> Response {
        base64(ESTWire.certsOnly(certificates), contentType: "application/pkcs7-mime; smime-type=certs-only")
    }

    /// RFC 7030 §4.4.2: the private key (PKCS#8, or EnvelopedData when the client asked for
    /// it encrypted) and the certificate, each base64, in one multipart/mixed body.
    static func multipart(_ generated: ESTService.GeneratedEnrollment) -> Response {
        let boundary = "signet-est-" + UUID().uuidString.lowercased()
        func part(_ type: String, _ der: [UInt8]) -> String {
            "--\(boundary)\r\nContent-Type: \(type)\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + String(decoding: ESTWire.base64Body(der), as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        }
        let keyType = generated.keyIsEncrypted ? "application/pkcs7-mime; smime-type=server-generated-key" : "application/pkcs8"
        let body = part(keyType, generated.privateKey)
            + part("application/pkcs7-mime; smime-type=certs-only", ESTWire.certsOnly([generated.certificate]))
            + "--\(boundary)--\r\n"
        return Response(status: .ok, headers: [.contentType: "multipart/mixed; boundary=\(boundary)"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func base64(_ der: [UInt8], contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .contentTransferEncoding: "base64"],
            body: .init(byteBuffer: ByteBuffer(bytes: ESTWire.base64Body(der)))
        )
    }

    /// Runs an operation; a refusal becomes its status with a plain-text reason and the rule
    /// (and an audit entry naming the rule). Errors from below keep to the statuses EST
    /// clients know (docs/est-status-codes.md): an outage of the token or the database is a
    /// 502 with Retry-After (libest does not know 503), another client error a 400, 401 or
    /// 404, never the API's 403, 409, 422 or 429.
    static func answer(_ context: SignetRequestContext, operation: String, services: SignetServer.Services, _ body: () async throws -> Response) async throws -> Response {
        var outcome = "error"
        var rule: String?
        defer {
            let dms = rule == "est.aps" ? MetricLabel.unknown : MetricLabel.bounded("dms", context.parameters.get("aps") ?? "_default")
            SignetMetrics.count(.estOperations, [("dms", dms), ("operation", operation), ("outcome", outcome)])
        }
        do {
            let response = try await body()
            outcome = "ok"
            return response
        } catch let refusal as ESTRefusal {
            (outcome, rule) = (refusal.status.rawValue >= 500 ? "error" : "refused", refusal.rule)
            let target = context.parameters.get("aps") ?? "default"
            if refusal.afterAuthentication {
                try await services.audit.append(AuditRecord(
                    category: .api, action: "EST \(operation)", actor: "est-client", target: target,
                    outcome: String(refusal.status.rawValue), failedRule: refusal.rule, detail: #"{"status":\#(refusal.status.rawValue)}"#
                ))
            } else {
                try await services.refusals.refused(.est, action: "EST \(operation)", target: target, outcome: refusal.status.rawValue, rule: refusal.rule)
            }
            return response(refusal)
        } catch {
            // Not audited here: the database may be what failed.
            let mapped = ErrorMiddleware<SignetRequestContext>.map(error, logger: context.logger)
            if (400..<500).contains(mapped.status.code) { (outcome, rule) = ("refused", mapped.rule) }
            switch mapped.status.code {
            case 503: return response(ESTRefusal(.badGateway, rule: "est.unavailable", mapped.message))
            case 401: return response(ESTRefusal(.unauthorized, rule: mapped.rule ?? "est.unauthorized", mapped.message))
            case 404: return response(ESTRefusal(.notFound, rule: mapped.rule ?? "est.not_found", mapped.message))
            case 400..<500: return response(ESTRefusal(.badRequest, rule: mapped.rule ?? "est.request", mapped.message))
            default: throw error
            }
        }
    }

    static func response(_ refusal: ESTRefusal) -> Response {
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8"]
        if refusal.status == .unauthorized { headers[.wwwAuthenticate] = #"Basic realm="signet-est""# }
        if let seconds = refusal.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(status: .init(code: refusal.status.rawValue), headers: headers, body: .init(byteBuffer: ByteBuffer(string: plain(refusal.message, rule: refusal.rule))))
    }

    /// A refusal's body: what was wrong, then the rule that decided it.
    static func plain(_ message: String, rule: String) -> String { "\(message)\nrule: \(rule)\n" }
}

extension HTTPField.Name {
    static let contentTransferEncoding = HTTPField.Name("Content-Transfer-Encoding")!
}
