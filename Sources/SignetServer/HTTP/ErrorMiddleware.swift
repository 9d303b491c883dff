import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO
import SignetAuth
import SignetCore
import SignetDMS
import SignetQuery
import SignetStore
import SignetToken

/// Turns every error into the one JSON error shape, with the status that says whose fault
/// it was. A client's mistake is never a 500; a server fault is logged with a reference.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error, logger: context.logger)
            return try apiError.response(from: request, context: context)
        }
    }

    static func map(_ error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case GateError.refused(let refusal):
            switch refusal.kind {
            case .malformed: return APIError(status: .badRequest, code: "malformed_request", message: refusal.detail, rule: refusal.rule)
            case .notFound: return APIError(status: .notFound, code: "not_found", message: refusal.detail, rule: refusal.rule)
            case .conflict: return APIError(status: .conflict, code: "conflict", message: refusal.detail, rule: refusal.rule)
            case .policy: return .refused(rule: refusal.rule, refusal.detail)
            case .forbidden: return APIError(status: .forbidden, code: "forbidden", message: refusal.detail, rule: refusal.rule)
            }
        case GateError.token(let tokenError) where tokenError.isTokenLoss:
            logger.warning("token unavailable", metadata: ["error": "\(tokenError)"])
            return .unavailable("the CA's token is unavailable; retry later")
        case let error as ProfileError:
            return .badRequest(error.description, code: "invalid_profile")
        case let error as FieldError:
            switch error.kind {
            case .malformed: return .badRequest(error.description, code: "invalid_field")
            case .invalid: return APIError(status: .unprocessableContent, code: "invalid_setting", message: error.description, rule: error.field)
            }
        case let error as Catalog.EditError:
            return error.apiError
        case let error as QueryError:
            return .badRequest(error.description, code: "invalid_query")
        case JSONPatchError.operationFailed(let index, let op, let path, let reason):
            return APIError(status: .conflict, code: "patch_failed", message: "patch operation \(index) (\(op) \(path)) failed: \(reason); nothing was changed")
        case let error as JSONPatchError:
            return .badRequest(error.description, code: "invalid_patch")
        case let error as AuthError:
            return .unauthorized(error.description)
        case let error as DecodingError:
            return .badRequest(RequestBody.describe(error), code: "invalid_json")
        case let error as HTTPError:
            if error.status == .contentTooLarge { return .tooLarge(RequestBody.maxBytes) }
            return APIError(status: error.status, code: error.status == .notFound ? "not_found" : "http_error", message: error.body ?? error.status.reasonPhrase)
        default:
            if StoreAvailability.isUnavailable(error) {
                logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
                return .unavailable("the database is unavailable; retry later")
            }
            let reference = UUID().uuidString.prefix(8).lowercased()
            logger.error("request failed", metadata: ["reference": "\(reference)", "error": "\(String(reflecting: error))"])
            return .internal(String(reference))
        }
    }
}

/// Tells a database that cannot serve now from a failed statement.
enum StoreAvailability {
    static func isUnavailable(_ error: any Error) -> Bool {
        if case StoreError.unavailable = error { return true }
        if case StoreError.connectionClosed = error { return true }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed:
                return true
            case .server:
                return error.serverInfo?[.sqlState].map(isUnavailableState) ?? false
            default:
                return false
            }
        }
        let text = String(reflecting: error)
        return text.contains("ConnectionPoolError") || text.contains("connectionCreationCircuitBreakerTripped")
    }

    /// SQLSTATEs that say the server cannot do the work now, whatever the request: a full
    /// disk, memory or connection slots (class 53), a shutdown or restart in progress (57P01–
    /// 57P03), a lost connection (class 08), an I/O error (class 58), or a read-only server (a
    /// standby that has not been promoted yet, 25006). The client's request was fine: it is a
    /// 503 to retry, not a 500.
    static func isUnavailableState(_ state: String) -> Bool {
        state.hasPrefix("53") || state.hasPrefix("08") || state.hasPrefix("58")
            || ["57P01", "57P02", "57P03", "25006"].contains(state)
    }
}
