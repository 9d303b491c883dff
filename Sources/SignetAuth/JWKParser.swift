import Crypto
import _CryptoExtras
import Foundation
import SignetQuery

/// Turns one JWKS entry into a `VerificationKey`, or decides to skip it.
///
/// Entries of a kind we do not verify with (other key types, other curves, encryption keys)
/// are skipped, because real providers publish those next to their signing keys. An entry that
/// claims to be a key we support but is broken is an error, so a bad configuration is noticed.
enum JWKParser {
    /// Returns nil for entries that are not ours to use.
    static func parse(_ entry: JSONValue, position: Int) throws(AuthError) -> VerificationKey? {
        guard case .object(let fields) = entry else {
            throw AuthError.invalidKeySet("entry \(position) in \"keys\" is not a JSON object")
        }
        let keyID = try optionalString("kid", in: fields, position: position)
        let algorithm = try optionalString("alg", in: fields, position: position)
        let use = try optionalString("use", in: fields, position: position)
        let name = keyID.map { "key \"\($0)\"" } ?? "entry \(position)"
        if let use, use != "sig" { return nil }

        let material: VerificationKey.Material
        switch fields["kty"]?.stringValue {
        case "EC":
            guard fields["crv"]?.stringValue == "P-256" else { return nil }
            material = .ecP256(try ecKey(fields, name: name))
        case "RSA":
            material = .rsa(try rsaKey(fields, name: name))
        default:
            return nil
        }
        return VerificationKey(keyID: keyID, algorithm: algorithm, material: material)
    }

    private static func ecKey(_ fields: [String: JSONValue], name: String) throws(AuthError) -> P256.Signing.PublicKey {
        let x = try coordinate("x", in: fields, name: name)
        let y = try coordinate("y", in: fields, name: name)
        do {
            // Uncompressed SEC1 point: 0x04 || x || y; swift-crypto rejects points off the curve.
            return try P256.Signing.PublicKey(x963Representation: [0x04] + x + y)
        } catch {
            throw AuthError.invalidKeySet("\(name): x and y are not a point on the P-256 curve")
        }
    }

    private static func coordinate(_ field: String, in fields: [String: JSONValue], name: String) throws(AuthError) -> Data {
        let bytes = try bytes(field, in: fields, name: name)
        guard bytes.count == 32 else {
            throw AuthError.invalidKeySet("\(name): \"\(field)\" is \(bytes.count) bytes, but a P-256 coordinate is 32")
        }
        return bytes
    }

    private static func rsaKey(_ fields: [String: JSONValue], name: String) throws(AuthError) -> _RSA.Signing.PublicKey {
        let modulus = try bytes("n", in: fields, name: name)
        let exponent = try bytes("e", in: fields, name: name)
        do {
            return try _RSA.Signing.PublicKey(n: modulus, e: exponent)
        } catch {
            throw AuthError.invalidKeySet(
                "\(name): RSA key is not valid or is shorter than 2048 bits (modulus is \(modulus.count * 8) bits)")
        }
    }

    private static func bytes(_ field: String, in fields: [String: JSONValue], name: String) throws(AuthError) -> Data {
        guard let text = fields[field]?.stringValue else {
            throw AuthError.invalidKeySet("\(name) has no \"\(field)\" string")
        }
        guard let data = Base64URL.decode(text), !data.isEmpty else {
            throw AuthError.invalidKeySet("\(name): \"\(field)\" is not valid base64url")
        }
        return data
    }

    private static func optionalString(_ field: String, in fields: [String: JSONValue], position: Int) throws(AuthError) -> String? {
        guard let value = fields[field] else { return nil }
        guard let text = value.stringValue else {
            throw AuthError.invalidKeySet("entry \(position): \"\(field)\" must be a string")
        }
        return text
    }
}
