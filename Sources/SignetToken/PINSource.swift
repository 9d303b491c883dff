import Foundation

/// Where the user PIN comes from. Never argv, never a log line: the value is only read when
/// logging in, and the type's descriptions name the source, not the secret.
public enum PINSource: Sendable, CustomStringConvertible {
    /// The PIN is the value of this environment variable.
    case environment(String)
    /// The PIN is the first line of this file.
    case file(String)

    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }

    /// Reads the PIN now. Throws `TokenError.pinUnavailable` naming the source when it is empty or unreadable.
    public func read() throws -> String {
        let value: String?
        switch self {
        case .environment(let name):
            value = ProcessInfo.processInfo.environment[name]
        case .file(let path):
            value = (try? String(contentsOfFile: path, encoding: .utf8))?
                .split(whereSeparator: \.isNewline).first.map(String.init)
        }
        guard let pin = value, !pin.isEmpty else {
            throw TokenError.pinUnavailable("\(self) is unset, empty or unreadable")
        }
        return pin
    }
}
