import Foundation
import Logging
import SignetQuery
import SignetStore

/// Batch registration from CSV: a header naming the columns (`id` and `dms` required;
/// `tags`, `metadata` and `group` optional) and one device per row. Tags are separated by
/// `;`, metadata is `key=value` pairs separated by `;`. Rows are numbered as a spreadsheet
/// shows them: the header is row 1.
public struct DeviceImport: Sendable {
    public static let columns = ["id", "dms", "tags", "metadata", "group"]
    /// Rows registered per transaction.
    public static let chunkSize = 1_000

    let header: [String: Int]
    let width: Int
    let text: String

    /// Checks the header (400 when it cannot be used) and keeps the text for the job.
    public init(csv bytes: [UInt8]) throws {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw FieldError("body", "the CSV file is not UTF-8 text") }
        var records = CSVRecords(text).makeIterator()
        guard case .fields(let names)? = records.next() else { throw FieldError("body", "the CSV file needs a header row naming its columns") }
        var header: [String: Int] = [:]
        for (index, raw) in names.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            guard Self.columns.contains(name) else { throw FieldError("header", "unknown column '\(raw)'; columns are \(Self.columns.joined(separator: ", "))") }
            guard header[name] == nil else { throw FieldError("header", "column '\(name)' appears twice") }
            header[name] = index
        }
        for required in ["id", "dms"] where header[required] == nil { throw FieldError("header", "column '\(required)' is required") }
        self.header = header
        self.width = names.count
        self.text = text
    }

    /// Data rows, each with its row number and either the device or why the row is unusable.
    public func rows() -> [(row: Int, result: Result<NewDevice, FieldError>)] {
        var rows: [(Int, Result<NewDevice, FieldError>)] = []
        var number = 1
        var records = CSVRecords(text).makeIterator()
        _ = records.next()
        while let record = records.next() {
            number += 1
            switch record {
            case .malformed(let reason): rows.append((number, .failure(FieldError("row", reason))))
            case .fields(let fields): rows.append((number, Result { try device(fields) }.mapError { $0 as? FieldError ?? FieldError("row", "\($0)") }))
            }
        }
        return rows
    }

    func device(_ fields: [String]) throws -> NewDevice {
        guard fields.count == width else { throw FieldError("row", "has \(fields.count) fields; the header has \(width)") }
        func column(_ name: String) -> String? {
            header[name].map { fields[$0].trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let id = column("id") else { throw FieldError("id", "is empty") }
        guard let dms = column("dms") else { throw FieldError("dms", "is empty") }
        let tags = column("tags")?.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        var metadata: [String: JSONValue] = [:]
        for pair in column("metadata")?.split(separator: ";") ?? [] {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw FieldError("metadata", "'\(pair)' is not key=value") }
            guard metadata[parts[0]] == nil else { throw FieldError("metadata", "key '\(parts[0])' appears twice") }
            metadata[parts[0]] = .string(parts[1])
        }
        return try DeviceRules.checked(NewDevice(id: id, dmsOwner: dms, group: column("group"), tags: tags, metadata: .object(metadata)))
    }

    /// Runs one claimed job to its end, a chunk per transaction from where it stopped. When
    /// `stopping` says so between chunks, the job is handed back (lease released) for any
    /// runner to resume.
    public static func run(_ job: ClaimedJob, registry: Registry, logger: Logger, stopping: @Sendable () -> Bool = { false }) async throws {
        let rows: [(row: Int, result: Result<NewDevice, FieldError>)]
        do { rows = try DeviceImport(csv: job.input).rows() } catch {
            try await registry.finishJob(job.id, failed: "\(error)")
            return
        }
        var start = job.nextRow
        while start < rows.count {
            if stopping() {
                try await registry.releaseJob(job.id)
                return
            }
            let end = min(start + chunkSize, rows.count)
            var devices: [(row: Int, device: NewDevice)] = []
            var invalid: [(row: Int, message: String)] = []
            for (row, result) in rows[start..<end] {
                switch result {
                case .success(let device): devices.append((row, device))
                case .failure(let error): invalid.append((row, error.description))
                }
            }
            try await registry.commitImportChunk(job: job, from: start, to: end, rows: devices, invalid: invalid)
            start = end
        }
        try await registry.finishJob(job.id)
        logger.info("device import finished", metadata: ["job": "\(job.id)", "rows": "\(rows.count)"])
    }
}
