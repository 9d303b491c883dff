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

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        identity = nil
    }

    var maxUploadSize: Int { RequestBody.maxBytes }

    /// The caller's name for audit records.
    var actor: String { identity.map { "jwt:\($0.subject)" } ?? "anonymous" }

    /// The caller as the gate sees it: the audit name and the roles the token proved.
    var requester: Requester { Requester(actor, roles: identity?.roles ?? []) }
}
