import Crypto
import Foundation
import SwiftASN1
@testable import SignetCore

/// Input: a mode byte, then the rest.
/// - even mode: the rest is a CSR as a client sends it (PEM, DER, base64, base64 of PEM);
/// - odd mode: the rest is a CertificationRequestInfo, which this target signs with the fixed
///   key, so that a mutated subject or extension request passes proof of possession (when its
///   key is the fixed key's) and reaches the subject, name and profile rules.
enum CSRTarget {
    static let profiles: [IssuanceProfile] = {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../policies").standardizedFileURL
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let loaded = names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            try? IssuanceProfile.decode(Data(contentsOf: folder.appendingPathComponent(name)))
        }
        guard !loaded.isEmpty else { fatalError("no issuance profile read from \(folder.path)") }
        return loaded
    }()

    /// A fixed instant inside every seed's validity: the outcome must not depend on the day.
    static let now = Date(timeIntervalSince1970: 1_900_000_000)

    static func run(_ bytes: [UInt8]) {
        guard let mode = bytes.first else { return }
        let rest = Array(bytes.dropFirst())
        let input = mode & 1 == 0 ? rest : signed(info: rest)
        for profile in profiles {
            var decision = DecisionDraft(action: .issue, caID: "fuzz", requester: Requester("fuzz"))
            var log = RuleLog()
            guard var requested = try? SigningCore.readCSR(input, profile: profile, decision: &decision, log: &log) else { continue }
            requested.deviceID = "device-1"
            _ = try? IssuancePolicy.evaluate(
                profile: profile, request: requested, issuer: nil,
                urls: .under(base: "https://signet.example", caID: "fuzz"), now: now, log: &log
            )
        }
    }

    /// SEQUENCE { info, ecdsa-with-SHA256, BIT STRING signature } over the given info bytes.
    static func signed(info: [UInt8]) -> [UInt8] {
        guard let signature = try? FixedKeys.p256.signature(for: info) else { return info }
        var serializer = DER.Serializer()
        try? serializer.appendConstructedNode(identifier: .sequence) { csr in
            try csr.serializeRawBytes(info[...])
            try csr.serializeRawBytes(ecdsaWithSHA256[...])
            try csr.serialize(ASN1BitString(bytes: ArraySlice(signature.derRepresentation)))
        }
        return serializer.serializedBytes
    }

    /// AlgorithmIdentifier { 1.2.840.10045.4.3.2 }, no parameters (RFC 5758).
    static let ecdsaWithSHA256: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
}
