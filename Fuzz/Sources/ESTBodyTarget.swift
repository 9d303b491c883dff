import X509
@testable import SignetEST

/// Input: an EST enrollment body (simpleenroll, simplereenroll and serverkeygen read it the
/// same way), then the key-protection attributes serverkeygen reads from the CSR.
enum ESTBodyTarget {
    static func run(_ bytes: [UInt8]) {
        guard let request = try? ESTService.readCSR(bytes) else { return }
        _ = try? ESTService.requestedProtection(request.csr)
        if request.commonName.isEmpty { broken("EST accepted a CSR without a common name") }
    }
}
