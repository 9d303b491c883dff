import Foundation
import Hummingbird

/// An `application/x-www-form-urlencoded` body, bounded.
enum ConsoleForm {
    static let maxBytes = 64 * 1024

    static func read(_ request: Request, context: SignetRequestContext) async throws -> [String: String] {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/x-www-form-urlencoded" else {
            throw ConsoleRefusal(status: .unsupportedMediaType, message: "A console form is sent as application/x-www-form-urlencoded, not \(type ?? "nothing").")
        }
        let body: [UInt8]
        do { body = try await RequestBody.bytes(request, context: context, limit: maxBytes) } catch {
            throw ConsoleRefusal(status: .contentTooLarge, message: "The form is larger than \(maxBytes) bytes.")
        }
        return parse(String(decoding: body, as: UTF8.self))
    }

    static func parse(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let key = parts.first.map(decode) else { continue }
            fields[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }
}
