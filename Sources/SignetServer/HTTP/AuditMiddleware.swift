import Foundation
import HTTPTypes
import Hummingbird
import SignetCore

/// Records every state-changing API call (who, what, when, outcome) in the audit trail,
/// whether it succeeded or not. Reads are not audited. A call that reached the gate is
/// already audited by the gate's decision record (requester, action, CA, outcome, rules),
/// so it is not written twice: the response names that decision in `Signet-Decision`.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = SignetRequestContext
    let trail: any AuditTrail

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isAPICall || request.isConsoleCall, request.method != .get, request.method != .head else {
            return try await next(request, context)
        }
        do {
            let response = try await next(request, context)
            if response.headers[.signetDecision] == nil {
                try await trail.append(Self.record(
                    request, actor: Self.actor(context), status: response.status.code,
                    profile: response.headers[.signetProfileID].map { ($0, response.headers[.signetProfileVersion] ?? "") }
                ))
            }
            return response
        } catch let decided as GateError {
            throw decided
        } catch {
            let status = ErrorMiddleware<Context>.map(error, logger: context.logger).status.code
            try await trail.append(Self.record(request, actor: Self.actor(context), status: status))
            throw error
        }
    }

    /// The caller: the JWT's subject, or the console session's, known once the handler ran.
    static func actor(_ context: Context) -> String {
        context.logFacts.all["actor"] ?? context.actor
    }

    /// - Parameter profile: the profile a call stored (id and version hash), so the record
    ///   names the exact content that took effect.
    static func record(_ request: Request, actor: String, status: Int, profile: (id: String, version: String)? = nil) -> AuditRecord {
        AuditRecord(
            category: .api,
            action: "\(request.method.rawValue) \(request.uri.path)",
            actor: actor,
            target: request.uri.path,
            outcome: String(status),
            profileID: profile?.id,
            profileVersion: profile?.version,
            detail: #"{"status":\#(status)}"#
        )
    }
}

extension HTTPField.Name {
    /// The id of the gate decision a response carries; its audit record stands for the call.
    static let signetDecision = HTTPField.Name("Signet-Decision")!
    /// The profile a call stored and its version hash; its audit record names both.
    static let signetProfileID = HTTPField.Name("Signet-Profile-ID")!
    static let signetProfileVersion = HTTPField.Name("Signet-Profile-Version")!
}

extension Response {
    /// The response, naming the profile version it stored (see `AuditMiddleware`).
    func naming(_ stored: StoredProfile) -> Response {
        var response = self
        response.headers[.signetProfileID] = stored.profile.id
        response.headers[.signetProfileVersion] = stored.version
        return response
    }
}
