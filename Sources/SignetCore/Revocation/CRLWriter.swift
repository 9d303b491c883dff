import Foundation

/// Stores a CRL in chunks so that neither its entries nor the CRL are ever held whole.
///
/// DER puts every length before its content, and the signature covers the TBSCertList's
/// header, so the entries are written first (chunks 2…n, one pass over the rows), then the
/// header that their length determines (chunk 1); the digest is taken by reading the
/// entry chunks back, and the tail with the signature (n+1) and the CertificateList's
/// header (0) come last.
struct CRLWriter {
    static let chunkSize = 256 * 1024

    let number: Int64
    let sink: any CRLPublishing
    private var buffer: [UInt8] = []
    private var next = 2
    private(set) var entriesLength = 0

    init(number: Int64, sink: any CRLPublishing) {
        self.number = number
        self.sink = sink
        buffer.reserveCapacity(Self.chunkSize)
    }

    mutating func appendEntries(_ bytes: [UInt8]) async throws {
        buffer.append(contentsOf: bytes)
        entriesLength += bytes.count
        if buffer.count >= Self.chunkSize { try await flush() }
    }

    private mutating func flush() async throws {
        guard !buffer.isEmpty else { return }
        try await sink.writeChunk(crlNumber: number, sequence: next, bytes: buffer)
        next += 1
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the TBSCertList header (`prefix`) and `tail` around the entries, hashes the
    /// TBSCertList, has `sign` sign the digest, and stores the signature and outer header.
    /// Returns the CRL's size.
    mutating func finish(prefix: [UInt8], tail: [UInt8], hash: StreamingHash, sign: (StreamingHash.Final) async throws -> [UInt8]) async throws -> Int {
        try await flush()
        var hash = hash
        hash.update(prefix)
        for sequence in 2..<next { hash.update(try await sink.readChunk(crlNumber: number, sequence: sequence)) }
        hash.update(tail)
        let signature = try await sign(hash.finalize())
        try await sink.writeChunk(crlNumber: number, sequence: 1, bytes: prefix)
        try await sink.writeChunk(crlNumber: number, sequence: next, bytes: tail + signature)
        let contentLength = prefix.count + entriesLength + tail.count + signature.count
        let outer = CRLEncoding.header(0x30, length: contentLength)
        try await sink.writeChunk(crlNumber: number, sequence: 0, bytes: outer)
        return outer.count + contentLength
    }
}
