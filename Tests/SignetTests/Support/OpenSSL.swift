import Foundation

/// Runs independent tools (openssl, pkcs11-tool) and captures what they print.
enum Tool {
    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), error: String(decoding: err, as: UTF8.self))
    }
}

/// A scratch directory for files handed to openssl.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent(unique("signet-test"))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    func read(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url.appendingPathComponent(name)))
    }
}

/// CSRs made by openssl, the way a device or operator would make them.
enum OpenSSLCSR {
    /// `keyArguments`: e.g. `["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]`.
    static func make(subject: String, keyArguments: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], extensions: [String] = [], in scratch: Scratch) throws -> [UInt8] {
        let name = unique("csr")
        var arguments = ["req", "-new", "-nodes", "-keyout", scratch.path("\(name).key"), "-subj", subject, "-out", scratch.path("\(name).pem")]
        arguments += keyArguments
        for value in extensions { arguments += ["-addext", value] }
        let result = try Tool.run("openssl", arguments)
        guard result.status == 0 else { throw TestSetupError("openssl req failed: \(result.error)") }
        return try scratch.read("\(name).pem")
    }
}
