import HTTPTypes
import Hummingbird
import SignetAuth
import SignetCore

/// The roles Signet knows. `admin` may do everything; the others are granted per route.
enum Role: String, Sendable, CaseIterable {
    case admin, `operator`, auditor

    /// Whether someone holding `held` may do what needs one of `needed`: admin always may.
    static func allows(_ held: Set<Role>, _ needed: Set<Role>) -> Bool {
        held.contains(.admin) || !held.isDisjoint(with: needed)
    }

    /// `needed` as a refusal names it: "admin or operator".
    static func describe(_ needed: Set<Role>) -> String {
        needed.union([.admin]).map(\.rawValue).sorted().joined(separator: " or ")
    }
}

/// Verifies the JWT bearer token on every `/api` request; without a valid one the request
/// ends here with 401. Which roles a route needs is checked by the route itself (403).
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = SignetRequestContext
    let verifier: CachingVerifier
    let refusals: RefusalSampler

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isAPICall else { return try await next(request, context) }
        var context = context
        do {
            let token = try Self.bearer(request)
            do {
                context.identity = try verifier.verify(token)
                context.logFacts.set("actor", context.actor)
                context.logger[metadataKey: "actor"] = .string(context.actor)
            } catch {
                throw APIError.unauthorized("the bearer token was rejected: \(error)")
            }
        } catch let error as APIError {
            // Counted, and sampled into the audit trail (one row per interval stands for
            // all of them): anyone can send these.
            try await refusals.refused(.api, action: "\(request.method.rawValue) \(request.uri.path)", target: request.uri.path, outcome: 401, rule: nil)
            throw error
        }
        return try await next(request, context)
    }

    static func bearer(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("an Authorization: Bearer token is required")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return String(parts[1])
    }
}

extension SignetRequestContext {
    /// Throws 403 unless the caller holds one of `roles` (admin always qualifies).
    func require(_ roles: Set<Role>) throws {
        guard let identity else { throw APIError.unauthorized("an Authorization: Bearer token is required") }
        guard Role.allows(Set(identity.roles.compactMap(Role.init(rawValue:))), roles) else {
            throw APIError.forbidden("this needs the role \(Role.describe(roles)); the token has \(identity.roles.sorted())")
        }
    }
}
