import Hummingbird
import NIOCore
import SignetAuth
import SignetCore

/// Per-request state: who is calling (after authentication) and the connection it came on
/// (EST reads the TLS client certificate from it).
struct SignetRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    var identity: VerifiedToken?
    /// What the access log reports once the request is answered.
    let logFacts = RequestLogFacts()
    /// The fields of a console form, once read and CSRF-checked.
    var consoleForm: [String: String] = [:]

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        identity = nil
    }

    var maxUploadSize: Int { RequestBody.maxBytes }

    /// The route template the router matched (`/api/ca/v1/cas/{id}/sign`), or `unmatched`
    /// (the router's own name for that is `NotFound`): never the raw path.
    var routeTemplate: String {
        guard let path = endpointPath, path != "NotFound" else { return "unmatched" }
        return path
    }

    /// The caller's name for audit records.
    var actor: String { identity.map { "jwt:\($0.subject)" } ?? "anonymous" }

    /// The caller as the gate sees it: the audit name and the roles the token proved.
    var requester: Requester { Requester(actor, roles: identity?.roles ?? []) }
}
