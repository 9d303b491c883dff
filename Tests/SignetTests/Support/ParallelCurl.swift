import Foundation

/// Many requests through one curl process, at most eight at a time (`--parallel`), each with
/// its own body and header files; curl checks the server's certificate against the test root.
struct ParallelCurl {
    let server: ServerFixture

    struct Body {
        let contentType: String
        let file: String
    }

    struct Request {
        let method: String
        let path: String
        let token: String?
        let body: Body?
    }

    func run(_ requests: [Request]) throws -> [ServerFixture.HTTPResult] {
        let name = unique("matrix")
        var config = ""
        for (index, request) in requests.enumerated() {
            if index > 0 { config += "next\n" }
            config += """
                url = "\(server.base)\(request.path)"
                request = "\(request.method)"
                cacert = "\(server.rootFile)"
                max-time = 20
                output = "\(server.scratch.path("\(name)-\(index)"))"
                dump-header = "\(server.scratch.path("\(name)-\(index).h"))"
                write-out = "\(index) %{http_code}\\n"

                """
            if let token = request.token { config += "header = \"Authorization: Bearer \(token)\"\n" }
            if let body = request.body { config += "header = \"Content-Type: \(body.contentType)\"\ndata-binary = \"@\(body.file)\"\n" }
        }
        let configFile = try server.scratch.write(name + ".curlrc", Array(config.utf8))
        let result = try Tool.run("curl", ["--parallel", "--parallel-max", "8", "-sS", "--config", configFile])
        var statuses: [Int: Int] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let index = Int(fields[0]), let status = Int(fields[1]) { statuses[index] = status }
        }
        return try requests.indices.map { index in
            guard let status = statuses[index] else { throw TestSetupError("curl gave no status for request \(index): \(result.error)") }
            let headers = (try? server.scratch.read("\(name)-\(index).h")).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return ServerFixture.HTTPResult(status: status, body: (try? server.scratch.read("\(name)-\(index)")) ?? [], headers: headers)
        }
    }
}
