import Foundation

/// Writes a CRL's bytes to the store in chunks while hashing them, so that neither the
/// entries nor the CRL are ever held whole.
struct CRLWriter {
    static let chunkSize = 256 * 1024

    let number: Int64
    let sink: any CRLPublishing
    private(set) var hash: StreamingHash
    private var buffer: [UInt8] = []
    /// Chunk 0 is kept for the outer header, written last when the signature's length is known.
    private var sequence = 1
    private(set) var written = 0

    init(number: Int64, sink: any CRLPublishing, hash: StreamingHash) {
        self.number = number
        self.sink = sink
        self.hash = hash
        buffer.reserveCapacity(Self.chunkSize)
    }

    /// Bytes of the TBSCertList: hashed and stored.
    mutating func append(_ bytes: [UInt8]) async throws {
        hash.update(bytes)
        try await appendUnhashed(bytes)
    }

    /// Bytes after the TBSCertList (the signature): stored only.
    mutating func appendUnhashed(_ bytes: [UInt8]) async throws {
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= Self.chunkSize { try await flush() }
    }

    mutating func flush() async throws {
        guard !buffer.isEmpty else { return }
        try await sink.writeChunk(crlNumber: number, sequence: sequence, bytes: buffer)
        sequence += 1
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes the CertificateList's own header as chunk 0; returns the CRL's size.
    mutating func finish() async throws -> Int {
        try await flush()
        let outer = CRLEncoding.header(0x30, length: written)
        try await sink.writeChunk(crlNumber: number, sequence: 0, bytes: outer)
        return written + outer.count
    }
}
