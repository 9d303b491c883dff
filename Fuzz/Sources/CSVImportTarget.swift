import SignetDMS

/// Input: the CSV of a device import job, read into rows as the import runner reads it.
enum CSVImportTarget {
    static func run(_ bytes: [UInt8]) {
        guard let devices = try? DeviceImport(csv: bytes) else { return }
        _ = devices.rows()
    }
}
