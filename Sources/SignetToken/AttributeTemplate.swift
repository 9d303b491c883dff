import CPKCS11
import Foundation

/// A `CK_ATTRIBUTE` array whose value buffers live as long as the template.
final class AttributeTemplate {
    private(set) var attributes: [CK_ATTRIBUTE] = []
    private var buffers: [UnsafeMutableRawPointer] = []

    init() {}

    deinit { buffers.forEach { $0.deallocate() } }

    func add(_ type: CK_ATTRIBUTE_TYPE, bytes: [UInt8]) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        buffers.append(buffer)
        attributes.append(CK_ATTRIBUTE(type: type, pValue: buffer, ulValueLen: CK_ULONG(bytes.count)))
    }

    func add(_ type: CK_ATTRIBUTE_TYPE, bool: Bool) {
        add(type, bytes: [bool ? 1 : 0])
    }

    func add(_ type: CK_ATTRIBUTE_TYPE, ulong: CK_ULONG) {
        add(type, bytes: withUnsafeBytes(of: ulong) { Array($0) })
    }

    func withAttributes<T>(_ body: (UnsafeMutablePointer<CK_ATTRIBUTE>, CK_ULONG) throws -> T) rethrows -> T {
        try attributes.withUnsafeMutableBufferPointer { try body($0.baseAddress!, CK_ULONG($0.count)) }
    }
}
