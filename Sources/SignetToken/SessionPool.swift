import CPKCS11
import SignetMetrics
import Foundation

/// A bounded pool of sessions on one token, with the login kept alive by an anchor session.
///
/// When a call reports token loss, the pool forgets every session of that connection
/// (its "generation"); the next checkout finds the token by label again, re-initialises the
/// module if the connection itself is gone, opens a fresh anchor session and logs in.
final class SessionPool: @unchecked Sendable {
    // @unchecked: all mutable state is guarded by `condition`.
    struct Connection {
        let slot: CK_SLOT_ID
        let generation: Int
        let capacity: Int
        let mechanisms: Set<CK_MECHANISM_TYPE>
        /// The module restart this connection was made after: its session handles mean
        /// nothing once the module has been restarted again, and may name new sessions.
        let moduleEpoch: Int
    }

    private let module: PKCS11Module
    private let label: String
    private let pin: PINSource
    private let requestedCapacity: Int
    private let condition = NSCondition()
    private var connection: Connection?
    private var idle: [CK_SESSION_HANDLE] = []
    /// Sessions of the current generation, idle or checked out.
    private var open = 0
    /// Sessions of any generation that a caller is using right now.
    private var outstanding = 0
    private var generation = 0
    private var everConnected = false
    private var loginBackoff = LoginBackoff()
    /// How many times this pool finalised and initialised the module: callers that waited
    /// for the same restart compare it, so that only the first of them restarts the module.
    private var moduleRestarts = 0
    /// Every `C_Login` this pool made, for operators and tests to see that a refused PIN is
    /// not retried on every call.
    private(set) var loginAttempts = 0

    init(module: PKCS11Module, label: String, pin: PINSource, capacity: Int) {
        self.module = module
        self.label = label
        self.pin = pin
        self.requestedCapacity = max(1, capacity)
    }

    /// Runs `body` with a session of the current connection; token loss invalidates the connection.
    func withSession<T>(_ body: (TokenSession, Connection) throws -> T) throws -> T {
        let (handle, connection) = try checkout()
        do {
            let result = try body(TokenSession(module: module, handle: handle), connection)
            checkin(handle, of: connection)
            return result
        } catch let error as TokenError where error.isTokenLoss {
            invalidate(generation: connection.generation)
            checkin(handle, of: connection)
            throw error
        } catch {
            checkin(handle, of: connection)
            throw error
        }
    }

    /// Finalises the module once no caller is inside it (waiting at most `seconds`), so the
    /// process can exit without the module's own teardown racing a call in progress.
    func finalize(waitingAtMost seconds: TimeInterval = 10) {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(seconds)
        while outstanding > 0, condition.wait(until: deadline) {}
        guard outstanding == 0 else { return }
        _ = module.functions.pointee.C_Finalize(nil)
        connection = nil
        idle = []
        open = 0
        generation += 1
    }

    /// The current connection, establishing one if needed.
    func currentConnection() throws -> Connection {
        condition.lock()
        defer { condition.unlock() }
        return try connectLocked()
    }

    private func checkout() throws -> (CK_SESSION_HANDLE, Connection) {
        condition.lock()
        while true {
            let connection: Connection
            do { connection = try connectLocked() } catch { condition.unlock(); throw error }
            if let handle = idle.popLast() {
                outstanding += 1
                condition.unlock()
                return (handle, connection)
            }
            if open < connection.capacity {
                open += 1
                outstanding += 1
                condition.unlock()
                do {
                    return (try openSession(slot: connection.slot), connection)
                } catch {
                    condition.lock()
                    if connection.generation == generation { open -= 1 }
                    outstanding -= 1
                    condition.broadcast()
                    condition.unlock()
                    if let tokenError = error as? TokenError, tokenError.isTokenLoss {
                        invalidate(generation: connection.generation)
                    }
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func checkin(_ handle: CK_SESSION_HANDLE, of sessionConnection: Connection) {
        condition.lock()
        if sessionConnection.generation != generation {
            // A restart since then closed it already, and its handle may now be another
            // caller's session.
            let stillOpen = sessionConnection.moduleEpoch == moduleRestarts
            condition.unlock()
            if stillOpen { _ = module.functions.pointee.C_CloseSession(handle) }
            condition.lock()
        } else {
            idle.append(handle)
        }
        outstanding -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Drops every session of `failedGeneration`; a no-op if a newer connection already exists.
    func invalidate(generation failedGeneration: Int) {
        condition.lock()
        defer { condition.unlock() }
        guard failedGeneration == generation, let lost = connection else { return }
        _ = module.functions.pointee.C_CloseAllSessions(lost.slot)
        connection = nil
        idle.removeAll()
        open = 0
        generation += 1
        condition.broadcast()
    }

    /// Must hold the lock. Connecting blocks other callers, which is what they want: they
    /// would need the same connection.
    private func connectLocked() throws -> Connection {
        if let connection { return connection }
        try loginBackoff.check()
        let slot: CK_SLOT_ID
        do {
            slot = try module.slot(forTokenLabel: label)
        } catch let error as TokenError where error.isTokenLoss || (everConnected && error == .tokenNotFound(label: label)) {
            // The module's own link may be gone (a network HSM client keeps reporting an
            // empty or dead slot list): start it again, once no call is inside it.
            try restartModuleLocked(after: error)
            // Another caller may have connected while this one waited.
            if let connection { return connection }
            do {
                slot = try module.slot(forTokenLabel: label)
            } catch TokenError.tokenNotFound where everConnected {
                throw TokenError.unavailable(function: "C_GetSlotList", code: ReturnCode(UInt(CKR_TOKEN_NOT_PRESENT)))
            }
        }
        let info = try module.tokenInfo(slot: slot)
        let anchor = try openSession(slot: slot)
        do {
            try login(anchor)
        } catch {
            _ = module.functions.pointee.C_CloseSession(anchor)
            throw error
        }
        let connection = Connection(
            slot: slot,
            generation: generation,
            capacity: Self.capacity(requested: requestedCapacity, tokenMaximum: info.ulMaxSessionCount),
            mechanisms: try module.mechanisms(slot: slot),
            moduleEpoch: moduleRestarts
        )
        self.connection = connection
        if everConnected { SignetMetrics.count(.tokenReconnects) }
        everConnected = true
        return connection
    }

    /// `C_Finalize` must not run while another thread is inside the module: wait briefly for
    /// callers still holding sessions of the lost connection, and give up (fail fast) if they
    /// linger. The wait releases the lock, so callers that found the module dead pile up
    /// here together; only the first to wake restarts it. One that woke after a restart, or
    /// after another caller connected, must not restart it again: that would finalise the
    /// connection just made, and under load the pile would keep the token unusable.
    private func restartModuleLocked(after error: TokenError) throws {
        let restarts = moduleRestarts
        let deadline = Date().addingTimeInterval(2)
        while outstanding > 0, connection == nil, moduleRestarts == restarts {
            guard condition.wait(until: deadline) else {
                throw error.isTokenLoss ? error : TokenError.unavailable(function: "C_GetSlotList", code: ReturnCode(UInt(CKR_TOKEN_NOT_PRESENT)))
            }
        }
        guard connection == nil, moduleRestarts == restarts else { return }
        moduleRestarts += 1
        condition.broadcast()
        try module.reinitialize()
    }

    /// How many times this pool restarted the module.
    func moduleRestartCount() -> Int {
        condition.lock()
        defer { condition.unlock() }
        return moduleRestarts
    }

    /// The pool never exceeds the token's reported session maximum, one of which is the anchor.
    static func capacity(requested: Int, tokenMaximum: CK_ULONG) -> Int {
        let unbounded = tokenMaximum == CK_ULONG(CK_EFFECTIVELY_INFINITE) || tokenMaximum == CK_ULONG.max // CK_UNAVAILABLE_INFORMATION
        guard !unbounded else { return requested }
        return max(1, min(requested, Int(tokenMaximum) - 1))
    }

    private func openSession(slot: CK_SLOT_ID) throws -> CK_SESSION_HANDLE {
        var handle: CK_SESSION_HANDLE = 0
        let flags = CK_FLAGS(CKF_SERIAL_SESSION | CKF_RW_SESSION)
        try module.check(module.functions.pointee.C_OpenSession(slot, flags, nil, nil, &handle), "C_OpenSession")
        return handle
    }

    /// Must hold the lock.
    private func login(_ session: CK_SESSION_HANDLE) throws {
        var pin = Array(try self.pin.read().utf8)
        defer { for index in pin.indices { pin[index] = 0 } }
        loginAttempts += 1
        let rv = pin.withUnsafeMutableBufferPointer {
            module.functions.pointee.C_Login(session, CK_USER_TYPE(CKU_USER), $0.baseAddress, CK_ULONG($0.count))
        }
        if LoginBackoff.isPINRefusal(rv) { loginBackoff.refused(ReturnCode(rv)) } else if rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN { loginBackoff.succeeded() }
        guard rv != CKR_USER_ALREADY_LOGGED_IN else { return }
        try module.check(rv, "C_Login")
    }

    /// How many times this pool called `C_Login`.
    func loginAttemptCount() -> Int {
        condition.lock()
        defer { condition.unlock() }
        return loginAttempts
    }
}
