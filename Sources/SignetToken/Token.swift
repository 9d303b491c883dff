import CPKCS11
import Crypto
import Dispatch
import NIOPosix
import Foundation
import SignetMetrics
import Synchronization

/// How to reach one token: module, label, PIN source and pool size.
public struct TokenConfiguration: Sendable {
    public var modulePath: String
    public var label: String
    public var pin: PINSource
    /// Upper bound on pooled sessions; the token's own maximum bounds it further.
    public var maxSessions: Int

    public init(modulePath: String, label: String, pin: PINSource, maxSessions: Int = 8) {
        self.modulePath = modulePath
        self.label = label
        self.pin = pin
        self.maxSessions = maxSessions
    }
}

/// A logged-in PKCS#11 token: generates key pairs inside it, finds keys by `CKA_ID`, signs.
///
/// Knows nothing about certificates. Calls block the calling thread; async callers go
/// through ``perform(_:)``, which keeps them off Swift's cooperative pool and NIO's loops.
public final class Token: Sendable {
    public let configuration: TokenConfiguration
    let module: PKCS11Module
    let pool: SessionPool
    private let keyHandles = Mutex<[KeyHandleKey: CK_OBJECT_HANDLE]>([:])
    /// Creating and destroying token objects one at a time: SoftHSM answers concurrent
    /// C_GenerateKeyPair calls with CKR_GENERAL_ERROR. Key generation is rare; signing is not serialised.
    let objectWrites = NSLock()
    /// Threads for blocking PKCS#11 calls, as many as the pool has sessions: more would only
    /// wait for a session, and a growing thread count costs more in switching than it gains.
    private let threads: NIOThreadPool
    private let signatureCounter = Atomic<Int>(0)
    private let generationCounter = Atomic<Int>(0)

    /// Signatures this token object was asked for since it was created (including failed
    /// ones): what an unauthenticated request must not drive up.
    public var signatureCount: Int { signatureCounter.load(ordering: .relaxed) }
    /// Key pairs generated (kept or exported) since it was created.
    public var keyGenerationCount: Int { generationCounter.load(ordering: .relaxed) }
    /// `C_Login` calls made since it was created.
    public var loginAttempts: Int { pool.loginAttemptCount() }
    /// How many times the module was finalised and initialised again to reconnect.
    public var moduleRestarts: Int { pool.moduleRestartCount() }

    func countKeyGeneration() { generationCounter.add(1, ordering: .relaxed) }

    struct KeyHandleKey: Hashable {
        let generation: Int
        let id: [UInt8]
    }

    /// Loads the module and prepares the pool; the first call connects and logs in.
    public init(_ configuration: TokenConfiguration) throws {
        self.configuration = configuration
        self.module = try PKCS11Module.load(path: configuration.modulePath)
        self.pool = SessionPool(
            module: module,
            label: configuration.label,
            pin: configuration.pin,
            capacity: configuration.maxSessions
        )
        self.threads = NIOThreadPool(numberOfThreads: max(1, configuration.maxSessions))
        threads.start()
    }

    deinit { threads.shutdownGracefully { _ in } }

    /// Lets token work in progress finish, then finalises the module. A process must not
    /// exit while one of its threads is inside the module: the module's teardown at exit
    /// would free what that call still uses.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
        pool.finalize()
    }

    /// Runs blocking token work on the token's own threads (never NIO's event loops nor
    /// Swift's cooperative pool, which a network HSM's latency would starve).
    public func perform<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runIfActive(work)
    }

    /// Connects (if needed) and returns the mechanisms the token reports.
    public func mechanisms() throws -> Set<UInt> {
        try pool.currentConnection().mechanisms
    }

    /// The number of sessions the pool may open on this token.
    public func sessionCapacity() throws -> Int {
        try pool.currentConnection().capacity
    }

    /// Generates a key pair inside the token: private key sensitive, never extractable,
    /// sign only; public key verify only.
    @discardableResult
    public func generateKeyPair(_ spec: KeySpec, id: [UInt8], label: String) throws -> TokenPublicKey {
        objectWrites.lock()
        defer { objectWrites.unlock() }
        countKeyGeneration()
        return try metered("generate_key_pair") { try pool.withSession { session, _ in
            if try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: id) != nil {
                throw TokenError.unsupportedKey("a private key with CKA_ID \(hex(id)) already exists")
            }
            let templates = KeyTemplates(spec: spec, id: id, label: label)
            let (publicKey, _) = try session.generateKeyPair(
                mechanism: templates.mechanism,
                publicTemplate: templates.publicKey,
                privateTemplate: templates.privateKey
            )
            return try readPublicKey(session: session, handle: publicKey, spec: spec)
        } }
    }

    /// The public key stored beside the private key with this `CKA_ID`.
    public func publicKey(id: [UInt8]) throws -> TokenPublicKey {
        try metered("public_key") { try pool.withSession { session, _ in
            guard let handle = try session.findObject(class: CK_OBJECT_CLASS(CKO_PUBLIC_KEY), id: id) else {
                throw TokenError.keyNotFound(id: id)
            }
            let keyType = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_KEY_TYPE), of: handle)
            let isEC = keyType.withUnsafeBytes { $0.load(as: CK_KEY_TYPE.self) } == CK_KEY_TYPE(CKK_EC)
            return try readPublicKey(session: session, handle: handle, spec: isEC ? .ecP256 : .rsa(bits: 0))
        } }
    }

    /// Signs `message` with the private key `id`. Uses the token's hashing mechanism when it
    /// has one; otherwise hashes here and signs the digest (never an unhashed message).
    public func sign(id: [UInt8], algorithm: SigningAlgorithm, message: some DataProtocol) throws -> [UInt8] {
        signatureCounter.add(1, ordering: .relaxed)
        return try metered("sign") { try pool.withSession { session, connection in
            let key = try privateKeyHandle(id: id, session: session, generation: connection.generation)
            let plan = try SignaturePlan(algorithm: algorithm, available: connection.mechanisms)
            do {
                return try session.sign(key: key, mechanism: plan.mechanism, data: plan.input(for: message))
            } catch TokenError.call(_, let code) where code.rawValue == CKR_KEY_HANDLE_INVALID || code.rawValue == CKR_OBJECT_HANDLE_INVALID {
                keyHandles.withLock { _ = $0.removeValue(forKey: KeyHandleKey(generation: connection.generation, id: id)) }
                throw TokenError.keyNotFound(id: id)
            }
        } }
    }

    /// Signs a digest computed by the caller (for data too large to hold at once) with the
    /// token's raw mechanism (`CKM_ECDSA`, or `CKM_RSA_PKCS` over the DigestInfo).
    public func sign(id: [UInt8], algorithm: SigningAlgorithm, digest: [UInt8]) throws -> [UInt8] {
        signatureCounter.add(1, ordering: .relaxed)
        return try metered("sign") { try pool.withSession { session, connection in
            let key = try privateKeyHandle(id: id, session: session, generation: connection.generation)
            let plan = try SignaturePlan(digestFor: algorithm, available: connection.mechanisms)
            return try session.sign(key: key, mechanism: plan.mechanism, data: plan.input(forDigest: digest))
        } }
    }

    /// Destroys both halves of the key pair `id` (used to undo a key whose CA was never created).
    public func destroyKeyPair(id: [UInt8]) throws {
        objectWrites.lock()
        defer { objectWrites.unlock() }
        try metered("destroy_key_pair") { try pool.withSession { session, _ in
            for objectClass in [CKO_PRIVATE_KEY, CKO_PUBLIC_KEY] {
                if let handle = try session.findObject(class: CK_OBJECT_CLASS(objectClass), id: id) {
                    try session.destroy(handle)
                }
            }
        } }
    }

    /// Asks the token for a session's state: throws when the token cannot be reached, the
    /// way the next real call would. Health checks and the `signet_token_up` gauge use it.
    public func probe() throws {
        try metered("probe") { try pool.withSession { session, _ in try session.checkState() } }
    }

    /// Counts and times one call into the module (`signet_token_calls_total`,
    /// `signet_token_call_duration_seconds`).
    private func metered<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        try SignetMetrics.measure(.tokenCallDuration, counter: .tokenCalls, [("operation", operation)], body)
    }

    /// Whether a private key with this `CKA_ID` exists.
    public func hasPrivateKey(id: [UInt8]) throws -> Bool {
        try pool.withSession { session, _ in
            try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: id) != nil
        }
    }

    private func privateKeyHandle(id: [UInt8], session: TokenSession, generation: Int) throws -> CK_OBJECT_HANDLE {
        let cacheKey = KeyHandleKey(generation: generation, id: id)
        if let handle = keyHandles.withLock({ $0[cacheKey] }) { return handle }
        guard let handle = try session.findObject(class: CK_OBJECT_CLASS(CKO_PRIVATE_KEY), id: id) else {
            throw TokenError.keyNotFound(id: id)
        }
        keyHandles.withLock { cache in
            cache = cache.filter { $0.key.generation == generation }
            cache[cacheKey] = handle
        }
        return handle
    }

    private func readPublicKey(session: TokenSession, handle: CK_OBJECT_HANDLE, spec: KeySpec) throws -> TokenPublicKey {
        switch spec {
        case .ecP256, .ecP384:
            let params = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_EC_PARAMS), of: handle)
            let point = try session.attribute(CK_ATTRIBUTE_TYPE(CKA_EC_POINT), of: handle)
            guard let curve = NamedCurve(derParameters: params) else {
                throw TokenError.unsupportedKey("EC parameters \(hex(params)) are not a supported named curve")
            }
            return .ec(namedCurveOID: curve.oid, point: try curve.unwrapPoint(point))
        case .rsa:
            return .rsa(
                modulus: try session.attribute(CK_ATTRIBUTE_TYPE(CKA_MODULUS), of: handle),
                publicExponent: try session.attribute(CK_ATTRIBUTE_TYPE(CKA_PUBLIC_EXPONENT), of: handle)
            )
        }
    }
}
