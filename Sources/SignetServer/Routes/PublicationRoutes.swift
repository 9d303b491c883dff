import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import SignetCore
import SignetMetrics
import SignetStore

/// What relying parties fetch without credentials: CRLs, OCSP and CA certificates.
enum PublicationRoutes {
    /// An OCSP request is a few hundred bytes; RFC 5019 GET URLs stay under 255.
    static let maxOCSPRequestBytes = 16 * 1024

    static func register(_ routes: RouteTable, services: SignetServer.Services) {
        routes.add(.get, "/crl/{ca}", roles: nil) { _, context in
            try await crl(try context.parameters.require("ca"), kind: .full, services: services)
        }
        routes.add(.get, "/crl/{ca}/delta", roles: nil) { _, context in
            try await crl(try context.parameters.require("ca"), kind: .delta, services: services)
        }
        routes.add(.get, "/ca/{file}", roles: nil) { _, context in
            let file = try context.parameters.require("file")
            guard file.hasSuffix(".der") else { throw APIError.notFound("CA certificates are served as /ca/<id>.der") }
            let id = String(file.dropLast(4))
            guard let ca = try await services.database.stores.cas.ca(id: id), ca.status != .deleted else {
                throw APIError.notFound("no CA with id '\(id)'")
            }
            return .bytes(ca.certificateDER, contentType: "application/pkix-cert")
        }
        routes.add(.post, "/ocsp", roles: nil) { request, context in
            let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard type == "application/ocsp-request" else {
                throw APIError.unsupportedMediaType("expected Content-Type application/ocsp-request, got \(type ?? "none")")
            }
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxOCSPRequestBytes { throw APIError.tooLarge(maxOCSPRequestBytes) }
            let body = try await request.body.collect(upTo: maxOCSPRequestBytes)
            return await ocsp(Array(body.readableBytesView), cacheHeaders: false, services: services, context: context)
        }
        routes.add(.get, "/ocsp/{request}", roles: nil, matching: "/ocsp/**") { request, context in
            // Everything after /ocsp/, still percent-encoded: base64 may contain '/' and '+'.
            let encoded = request.uri.path.dropFirst("/ocsp/".count)
            guard let der = OCSPRequestReader.der(getPath: encoded) else {
                return await ocsp([], cacheHeaders: false, services: services, context: context) // malformedRequest
            }
            return await ocsp(der, cacheHeaders: true, services: services, context: context)
        }
    }

    static func crl(_ caID: String, kind: CRLKind, services: SignetServer.Services) async throws -> Response {
        guard let crl = try await services.database.stores.crls.latest(caID: caID, kind: kind) else {
            throw APIError.notFound("no \(kind == .full ? "CRL" : "delta CRL") published for CA '\(caID)' (yet)")
        }
        let crls = services.database.stores.crls
        // Streamed from the chunks it was stored in: a CRL is never held whole.
        let body = ResponseBody(contentLength: crl.size) { writer in
            var sequence = 0
            while let chunk = try await crls.chunk(caID: caID, number: crl.number, sequence: sequence) {
                try await writer.write(ByteBuffer(bytes: chunk))
                sequence += 1
            }
            try await writer.finish(nil)
        }
        var response = Response(status: .ok, headers: [.contentType: "application/pkix-crl"], body: body)
        response.headers[.lastModified] = HTTPDate.string(crl.thisUpdate)
        response.headers[.expires] = HTTPDate.string(crl.nextUpdate)
        response.headers[.cacheControl] = "public, no-transform, max-age=\(max(0, Int(min(crl.nextUpdate.timeIntervalSinceNow, 300))))"
        return response
    }

    /// Always an `application/ocsp-response` with status 200: OCSP reports its errors inside.
    static func ocsp(_ der: [UInt8], cacheHeaders: Bool, services: SignetServer.Services, context: SignetRequestContext) async -> Response {
        let answer: OCSPAnswer
        do {
            answer = try await services.core.answerOCSP(der)
        } catch {
            if StoreAvailability.isUnavailable(error) {
                answer = .status(.tryLater)
            } else {
                context.logger.error("OCSP request failed", metadata: ["error": "\(String(reflecting: error))"])
                answer = .status(.internalError)
            }
        }
        SignetMetrics.count(.ocspAnswers, [("status", answer.errorStatus.map { "\($0)" } ?? "successful"), ("source", answer.source.rawValue)])
        if let status = answer.errorStatus {
            // malformedRequest, unauthorized, tryLater, …: counted and sampled like other anonymous refusals.
            try? await services.refusals.refused(.ocsp, action: "OCSP", target: "ocsp", outcome: Int(status.rawValue), rule: nil)
        }
        var response = Response.bytes(answer.der, contentType: "application/ocsp-response")
        if cacheHeaders, let producedAt = answer.producedAt, let nextUpdate = answer.nextUpdate {
            // RFC 5019 section 6.
            let maxAge = max(0, Int(nextUpdate.timeIntervalSinceNow))
            response.headers[.lastModified] = HTTPDate.string(producedAt)
            response.headers[.expires] = HTTPDate.string(nextUpdate)
            response.headers[.cacheControl] = "max-age=\(maxAge), public, no-transform, must-revalidate"
            response.headers[.eTag] = "\"\(Insecure.SHA1.hash(data: answer.der).lowercaseHex)\""
        }
        return response
    }
}

/// IMF-fixdate (RFC 9110) for Last-Modified and Expires, by arithmetic: a DateFormatter per
/// response would cost more than the rest of an OCSP answer.
enum HTTPDate {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func string(_ date: Date) -> String {
        let d = UTCDate(date)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekdays[d.weekday]), \(two(d.day)) \(months[d.month - 1]) \(d.year) \(two(d.hour)):\(two(d.minute)):\(two(d.second)) GMT"
    }
}
