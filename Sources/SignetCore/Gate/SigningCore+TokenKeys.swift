import SignetToken
import X509

extension SigningCore {
    /// Generates a key pair in the token for a key the gate itself certifies (a CA's, a
    /// delegated OCSP responder's, the audit signer's), hands it to `body`, and destroys it
    /// again if `body` fails: a refused or failed certification leaves no orphan key.
    func withNewTokenKey<T: Sendable>(_ spec: KeySpec, label: String, _ body: ([UInt8], Certificate.PublicKey) async throws -> T) async throws -> T {
        var generator = SystemRandomNumberGenerator()
        let keyID = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = self.token
        let publicKey: Certificate.PublicKey
        do {
            publicKey = try await token.perform { try token.generateKeyPair(spec, id: keyID, label: label).certificatePublicKey() }
        } catch let error as TokenError {
            throw GateError.token(error)
        }
        do {
            return try await body(keyID, publicKey)
        } catch {
            try? await token.perform { try token.destroyKeyPair(id: keyID) }
            throw error
        }
    }
}
