import Foundation
import HTTPTypes
import Hummingbird

/// The one error shape every endpoint answers with:
/// `{"error": {"code": "policy_refused", "message": "…", "rule": "…"}}`.
///
/// `code` is stable for machines; `message` says, for people, what was wrong.
struct APIError: Error, HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var rule: String? = nil
    var retryAfterSeconds: Int? = nil

    static func badRequest(_ message: String, code: String = "bad_request") -> APIError { APIError(status: .badRequest, code: code, message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(status: .unauthorized, code: "unauthorized", message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: .forbidden, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }
    static func conflict(_ message: String) -> APIError { APIError(status: .conflict, code: "conflict", message: message) }
    static func unsupportedMediaType(_ message: String) -> APIError { APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: message) }
    static func tooLarge(_ limit: Int) -> APIError { APIError(status: .contentTooLarge, code: "body_too_large", message: "the request body is larger than \(limit) bytes") }
    static func refused(rule: String, _ message: String) -> APIError { APIError(status: .unprocessableContent, code: "policy_refused", message: message, rule: rule) }
    static func unavailable(_ message: String) -> APIError { APIError(status: .serviceUnavailable, code: "unavailable", message: message, retryAfterSeconds: 5) }
    static func `internal`(_ reference: String) -> APIError {
        APIError(status: .internalServerError, code: "internal_error", message: "the server failed; reference \(reference) in its log")
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: String] = ["code": code, "message": message]
        if let rule { body["rule"] = rule }
        let data = try JSONEncoder.api.encode(["error": body])
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = "\(retryAfterSeconds)" }
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// Sorted keys and RFC 3339 dates: stable output for clients and tests.
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
}
