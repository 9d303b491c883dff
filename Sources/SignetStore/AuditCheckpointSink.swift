#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SignetCore

/// Where checkpoints go besides the database, for an operator to ship elsewhere: a file
/// opened for appending only (one JSON line per checkpoint, synced before the next) and/or
/// standard output. A copy outside the database is what shows a deleted checkpoint.
public struct AuditCheckpointSink: Sendable {
    public let file: String?
    public let standardOutput: Bool

    public init(file: String?, standardOutput: Bool) {
        self.file = file
        self.standardOutput = standardOutput
    }

    public func append(_ checkpoint: AuditCheckpoint) throws {
        let line = Array((checkpoint.jsonLine + "\n").utf8)
        if let file {
            let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard descriptor >= 0 else { throw AuditVerificationError("cannot open the checkpoint file \(file): \(String(cString: strerror(errno)))") }
            defer { close(descriptor) }
            let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count, fsync(descriptor) == 0 else {
                throw AuditVerificationError("cannot append to the checkpoint file \(file): \(String(cString: strerror(errno)))")
            }
        }
        if standardOutput {
            FileHandle.standardOutput.write(Data(line))
        }
    }

    /// The checkpoints of a sink file; throws naming the first line that is not one.
    public static func read(_ file: String) throws -> [AuditCheckpoint] {
        guard let data = FileManager.default.contents(atPath: file) else { throw AuditVerificationError("cannot read \(file)") }
        var checkpoints: [AuditCheckpoint] = []
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard let checkpoint = AuditCheckpoint(jsonLine: text) else {
                throw AuditVerificationError("line \(index + 1) of \(file) is not an audit checkpoint")
            }
            checkpoints.append(checkpoint)
        }
        return checkpoints
    }
}
