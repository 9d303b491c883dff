import CPKCS11
import Foundation
import Synchronization

/// A PKCS#11 module loaded with `dlopen` and initialised once for the process.
///
/// Every call goes through the module's own function list (p11-kit exports nothing else).
/// Loading the same path twice returns the same instance, because `C_Initialize` is per process.
public final class PKCS11Module: @unchecked Sendable {
    // @unchecked: `functions` is a pointer into the module, fixed after load; PKCS#11 itself
    // serialises access because the module is initialised with CKF_OS_LOCKING_OK.
    public let path: String
    let functions: UnsafeMutablePointer<CK_FUNCTION_LIST>
    private let handle: UnsafeMutableRawPointer

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// Loads (or returns the already loaded) module at `path` and initialises it.
    public static func load(path: String) throws -> PKCS11Module {
        try loaded.withLock { modules in
            if let module = modules[path] { return module }
            let module = try PKCS11Module(path: path)
            modules[path] = module
            return module
        }
    }

    private init(path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "dlopen failed"
            throw TokenError.moduleLoadFailed(path: path, reason: reason)
        }
        guard let symbol = dlsym(handle, "C_GetFunctionList") else {
            dlclose(handle)
            throw TokenError.moduleLoadFailed(path: path, reason: "C_GetFunctionList is not exported")
        }
        let getFunctionList = unsafeBitCast(symbol, to: CK_C_GetFunctionList.self)
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        let rv = getFunctionList(&list)
        guard rv == CKR_OK, let list else {
            dlclose(handle)
            throw TokenError.moduleLoadFailed(path: path, reason: "C_GetFunctionList returned \(ReturnCode(rv))")
        }
        self.path = path
        self.handle = handle
        self.functions = list
        try initialize()
    }

    /// `C_Initialize` with OS locking; an already initialised module is fine.
    func initialize() throws {
        var args = CK_C_INITIALIZE_ARGS()
        args.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        let rv = withUnsafeMutablePointer(to: &args) { functions.pointee.C_Initialize($0) }
        guard rv == CKR_OK || rv == CKR_CRYPTOKI_ALREADY_INITIALIZED else {
            throw TokenError.call(function: "C_Initialize", code: ReturnCode(rv))
        }
    }

    /// Finalises and initialises again: the only way some modules (network HSM clients among
    /// them) reconnect after their server went away.
    func reinitialize() throws {
        _ = functions.pointee.C_Finalize(nil)
        do {
            try initialize()
        } catch TokenError.call(let function, let code) {
            throw TokenError.unavailable(function: function, code: code)
        }
    }

    /// Throws a typed error for anything but `CKR_OK`; token-loss codes become `.unavailable`.
    @inline(__always)
    func check(_ rv: CK_RV, _ function: StaticString) throws {
        guard rv != CKR_OK else { return }
        let code = ReturnCode(rv)
        if code.meansTokenLoss {
            throw TokenError.unavailable(function: "\(function)", code: code)
        }
        throw TokenError.call(function: "\(function)", code: code)
    }

    /// The slot holding an initialised token with this label. Slot ids are not stable across
    /// processes (or reconnections), so tokens are always found by label.
    func slot(forTokenLabel label: String) throws -> CK_SLOT_ID {
        for slot in try presentSlots() {
            var info = CK_TOKEN_INFO()
            guard functions.pointee.C_GetTokenInfo(slot, &info) == CKR_OK else { continue }
            if paddedString(info.label) == label { return slot }
        }
        throw TokenError.tokenNotFound(label: label)
    }

    /// The slots holding a token. The list can grow between asking its length and reading
    /// it (a token coming back, a network HSM's client reconnecting), which is
    /// CKR_BUFFER_TOO_SMALL: ask again with room for more. A module that never gives a
    /// list is a token out of reach (unavailable, so the pool restarts the module), not a
    /// request that failed.
    func presentSlots() throws -> [CK_SLOT_ID] {
        var count: CK_ULONG = 0
        var rv = functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), nil, &count)
        var capacity = max(Int(count), 8)
        for _ in 0..<4 where rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL {
            var slots = [CK_SLOT_ID](repeating: 0, count: capacity)
            var filled = CK_ULONG(capacity)
            rv = functions.pointee.C_GetSlotList(CK_BBOOL(CK_TRUE), &slots, &filled)
            if rv == CKR_OK { return Array(slots.prefix(Int(filled))) }
            if rv == CKR_BUFFER_TOO_SMALL { capacity = max(Int(filled), capacity * 2) }
        }
        throw TokenError.unavailable(function: "C_GetSlotList", code: ReturnCode(rv))
    }

    func tokenInfo(slot: CK_SLOT_ID) throws -> CK_TOKEN_INFO {
        var info = CK_TOKEN_INFO()
        try check(functions.pointee.C_GetTokenInfo(slot, &info), "C_GetTokenInfo")
        return info
    }

    func mechanisms(slot: CK_SLOT_ID) throws -> Set<CK_MECHANISM_TYPE> {
        var count: CK_ULONG = 0
        try check(functions.pointee.C_GetMechanismList(slot, nil, &count), "C_GetMechanismList")
        var list = [CK_MECHANISM_TYPE](repeating: 0, count: Int(count))
        try check(functions.pointee.C_GetMechanismList(slot, &list, &count), "C_GetMechanismList")
        return Set(list.prefix(Int(count)))
    }
}

/// PKCS#11 fixed-width text fields are blank padded, not NUL terminated.
func paddedString<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { raw in
        let bytes = Array(raw.prefix { $0 != 0 })
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}
