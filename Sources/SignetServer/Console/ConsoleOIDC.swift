import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SignetAuth
import SignetStore
import Synchronization

/// What console sign-in through an OpenID Connect provider needs (see `oidc_issuer`).
public struct OIDCSettings: Sendable {
    public let issuer: String
    public let clientID: String
    /// nil for a public client: PKCE alone binds the code to this server.
    public let clientSecret: String?
    public let redirectURL: String
    public let roleClaimPath: [String]
}

/// The authorization-code flow with PKCE (RFC 7636, S256): the browser is sent to the
/// provider with a state, a nonce and a code challenge; the provider sends it back with a
/// code; this server trades the code (and the verifier) for an ID token at the provider's
/// token endpoint, and checks the token's signature (the provider's JWKS), issuer, audience,
/// lifetime and nonce before it opens a session with the roles the token names.
final class ConsoleOIDC: Sendable {
    let settings: OIDCSettings
    private let client: HTTPClient
    /// The provider's endpoints and keys, read once, and again after an hour or when an ID token does not verify with them.
    private let provider = Mutex<(Provider, ContinuousClock.Instant)?>(nil)

    struct Provider: Sendable {
        let authorizationEndpoint: String
        let tokenEndpoint: String
        let verifier: JWTVerifier
    }

    /// `client` is the caller's to shut down.
    init(settings: OIDCSettings, client: HTTPClient) {
        self.settings = settings
        self.client = client
    }

    /// Where to send the browser to sign in; the state is remembered in the database.
    func start(sessions: ConsoleSessions) async throws -> String {
        let provider = try await current()
        let nonce = ConsoleSessions.secret(), verifier = ConsoleSessions.secret()
        let state = try await sessions.beginOIDC(nonce: nonce, codeVerifier: verifier)
        var url = URLComponents(string: provider.authorizationEndpoint)!
        url.queryItems = (url.queryItems ?? []) + [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: settings.clientID),
            URLQueryItem(name: "redirect_uri", value: settings.redirectURL), URLQueryItem(name: "scope", value: "openid"),
            URLQueryItem(name: "state", value: state), URLQueryItem(name: "nonce", value: nonce),
            URLQueryItem(name: "code_challenge", value: Self.challenge(verifier)), URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        return url.string!
    }

    /// Trades the code for an ID token and verifies it; the token's subject and roles.
    func finish(code: String, state: String, sessions: ConsoleSessions) async throws -> VerifiedToken {
        guard let pending = try await sessions.finishOIDC(state: state) else {
            throw ConsoleRefusal(status: .unauthorized, message: "This sign-in is unknown, was finished already, or took longer than 10 minutes. Start again.", rule: "console.oidc.state")
        }
        let provider = try await current()
        var form = ["grant_type": "authorization_code", "code": code, "redirect_uri": settings.redirectURL, "client_id": settings.clientID,
                    "code_verifier": pending.codeVerifier]
        if let secret = settings.clientSecret { form["client_secret"] = secret }
        var request = HTTPClientRequest(url: provider.tokenEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: Self.formBody(form)))
        let answer = try await fetchJSON(request)
        guard let idToken = answer["id_token"] as? String else {
            throw ConsoleRefusal(status: .badGateway, message: "The identity provider's token endpoint returned no ID token.", rule: "console.oidc.token")
        }
        let token: VerifiedToken
        do { token = try provider.verifier.verify(idToken) } catch {
            // The provider may have rotated its keys since they were read: read them again, once.
            do { token = try await current(reload: true).verifier.verify(idToken) } catch {
                throw ConsoleRefusal(status: .unauthorized, message: "The identity provider's ID token was refused: \(error)", rule: "console.oidc.id_token")
            }
        }
        guard token.nonce == pending.nonce else {
            throw ConsoleRefusal(status: .unauthorized, message: "The ID token's nonce is not the one this sign-in sent.", rule: "console.oidc.nonce")
        }
        return token
    }

    private func current(reload: Bool = false) async throws -> Provider {
        if !reload, let (cached, at) = provider.withLock({ $0 }), ContinuousClock.now - at < .seconds(3600) { return cached }
        let discovery = try await fetchJSON(HTTPClientRequest(url: settings.issuer + "/.well-known/openid-configuration"))
        guard discovery["issuer"] as? String == settings.issuer, let authorization = discovery["authorization_endpoint"] as? String,
              let token = discovery["token_endpoint"] as? String, let jwksURI = discovery["jwks_uri"] as? String else {
            throw ConsoleRefusal(status: .badGateway, message: "The identity provider's discovery document lacks its issuer (\(settings.issuer)), endpoints or jwks_uri.", rule: "console.oidc.discovery")
        }
        var keysRequest = HTTPClientRequest(url: jwksURI)
        keysRequest.headers.add(name: "Accept", value: "application/json")
        let (status, body) = try await send(keysRequest)
        guard status == .ok else {
            throw ConsoleRefusal(status: .badGateway, message: "The identity provider answered \(status.code) for its keys (\(jwksURI)).", rule: "console.oidc.provider")
        }
        let keys = try JWKSet(json: body)
        let fresh = Provider(authorizationEndpoint: authorization, tokenEndpoint: token,
                             verifier: JWTVerifier(keys: keys, issuer: settings.issuer, audience: settings.clientID, roleClaimPath: settings.roleClaimPath))
        provider.withLock { $0 = (fresh, .now) }
        return fresh
    }

    private func fetchJSON(_ request: HTTPClientRequest) async throws -> [String: Any] {
        let (status, body) = try await send(request)
        guard status == .ok, let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ConsoleRefusal(status: .badGateway, message: "The identity provider answered \(status.code) to \(request.url).", rule: "console.oidc.provider")
        }
        return object
    }

    /// One request to the provider, its body bounded.
    private func send(_ request: HTTPClientRequest) async throws -> (HTTPResponseStatus, Data) {
        do {
            let response = try await client.execute(request, timeout: .seconds(10)) // HTTP (AsyncHTTPClient), not a database statement
            return (response.status, Data(buffer: try await response.body.collect(upTo: 256 * 1024)))
        } catch {
            throw ConsoleRefusal(status: .badGateway, message: "The identity provider did not answer \(request.url): \(error)", rule: "console.oidc.unreachable")
        }
    }

    static func challenge(_ verifier: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func formBody(_ fields: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }
}
