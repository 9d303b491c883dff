import Foundation
import Testing

/// The server and store read rows only through `fetch` and `rows` (SignetStore's
/// FetchedRows.swift): PostgresNIO's own statement calls stream rows into a state machine
/// that stops the process when the database closes the connection mid-result, and wait
/// forever on a connection that has already closed. A new call site that goes around them
/// fails here, naming itself.
@Suite struct StoreQueryDisciplineTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")
    /// PostgresNIO's statement entry points.
    static let direct = [".query(", ".execute(", ".withTransaction(", ".simpleQuery("]
    /// The mark of the one line that calls another library's `execute` (AsyncHTTPClient's), so
    /// a reviewer sees each exception where it is made.
    static let notAStatement = "// HTTP (AsyncHTTPClient), not a database statement"

    @Test func noStatementGoesAroundFetch() throws {
        var found: [String] = []
        for module in ["SignetStore", "SignetServer"] {
            let folder = Self.sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            #expect(!files.isEmpty, "\(module)'s sources are where the test expects them")
            for file in files where file.pathExtension == "swift" && file.lastPathComponent != "FetchedRows.swift" {
                for (number, line) in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where Self.direct.contains(where: { line.contains($0) }) && !line.hasSuffix(Self.notAStatement) {
                    found.append("\(module)/\(file.lastPathComponent):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(found.isEmpty, "statements that go around fetch/rows:\n\(found.joined(separator: "\n"))")
    }
}
