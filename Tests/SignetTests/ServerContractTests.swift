import Foundation
import SignetCore
@testable import SignetServer
import Testing

/// The OpenAPI document and the routes agree; lists page by keyset; shutdown is graceful.
@Suite struct ServerContractTests {
    @Test func openAPIDocumentListsExactlyTheRoutesThatExist() async throws {
        let environment = try await TestEnvironment.get()
        let services = SignetServer.Services(core: environment.core, database: environment.database, token: environment.token)
        let table = RouteTable(router: .init(context: SignetRequestContext.self))
        SignetServer.register(table, services: services)

        let document = try #require(try JSONSerialization.jsonObject(with: Data(try OpenAPIDocument.bytes())) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented: [String: Set<String>] = [:]
        for (path, item) in paths {
            for (method, operation) in item where method != "parameters" {
                let roles = ((operation as? [String: Any])?["x-signet-roles"] as? [String]) ?? []
                documented["\(method.uppercased()) \(path)"] = Set(roles)
            }
        }
        var served: [String: Set<String>] = [:]
        for spec in table.specs {
            served["\(spec.method.rawValue) \(spec.path)"] = spec.roles.map { Set($0.map(\.rawValue)).union(["admin"]) } ?? []
        }
        #expect(Set(served.keys).subtracting(documented.keys).isEmpty, "routes the document lacks: \(Set(served.keys).subtracting(documented.keys).sorted())")
        #expect(Set(documented.keys).subtracting(served.keys).isEmpty, "documented routes that do not exist: \(Set(documented.keys).subtracting(served.keys).sorted())")
        for (route, roles) in served { #expect(documented[route] == roles, "roles of \(route)") }

        let server = try await ServerFixture.get()
        let fetched = try server.curl("GET", "/openapi.json")
        #expect(fetched.body == (try OpenAPIDocument.bytes()))
    }

    @Test func keysetPagingReturnsEveryRowOnceWhileRowsAreInserted() async throws {
        let server = try await ServerFixture.get()
        let core = server.gate.environment.core
        let caID = unique("paging")
        _ = try await core.createCA(CACreationRequest(
            id: caID, subject: try SubjectText.parse("CN=Paging \(caID)"), keySpec: .ecP256, profileID: "subordinate-ca",
            issuanceProfileID: "iot-device", parentID: server.gate.rootID, requester: .localAdministrator("test")
        ))
        let csrs = try (0..<90).map { try OpenSSLCSR.make(subject: "/CN=page-\($0)", in: server.scratch) }
        var existing: Set<String> = []
        for csr in csrs.prefix(60) {
            existing.insert(try await core.issue(csr: csr, caID: caID, requester: Requester("test")).record.serialNumber)
        }
        let writer = Task {
            for csr in csrs.suffix(30) { _ = try await core.issue(csr: csr, caID: caID, requester: Requester("test")) }
        }
        let admin = server.token(["auditor"])
        var seen: [String] = []
        var next = ""
        var pages = 0
        repeat {
            let query = next.isEmpty ? "page_size=7&sort_by=issued_at&sort_mode=desc" : "page_size=7&bookmark=\(next)"
            let page = try server.curl("GET", "/api/ca/v1/cas/\(caID)/certificates?\(query)", token: admin)
            #expect(page.status == 200, "\(page.text)")
            let json = try page.json()
            seen += (json["list"] as? [[String: Any]] ?? []).compactMap { $0["serial_number"] as? String }
            next = json["next"] as? String ?? ""
            pages += 1
        } while !next.isEmpty && pages < 100
        try await writer.value
        #expect(Set(seen).count == seen.count, "a row came twice")
        #expect(existing.isSubset(of: Set(seen)), "missing: \(existing.subtracting(seen).count)")
        #expect(pages >= 9)
    }

    @Test func sigtermLetsInFlightRequestsFinishAndExitsCleanly() async throws {
        let server = try await ServerFixture.start()
        let process = try #require(ServerProcesses.shared.process(port: server.port))
        let token = server.token(["operator"])
        let body = try server.json(["csr": String(decoding: try OpenSSLCSR.make(subject: "/CN=shutdown", in: server.scratch), as: UTF8.self)])
        let results = try await withThrowingTaskGroup(of: ServerFixture.HTTPResult.self) { group in
            for index in 0..<12 {
                group.addTask {
                    if index == 6 { kill(process.processIdentifier, SIGTERM) }
                    return try server.curl("POST", "/api/ca/v1/cas/\(server.gate.subID)/sign", token: token, body: body)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        for result in results {
            // Each request either completed or was never accepted: nothing half-written.
            #expect(result.status == 201 || result.status == 0 || result.status == 503, "\(result.status) \(result.text)")
            if result.status == 201, let serial = try result.json()["serial_number"] as? String {
                #expect(try await server.gate.environment.stores.certificates.certificate(serialNumber: serial) != nil)
            }
        }
    }
}

/// The database goes away under a running server and comes back.
@Suite struct DatabaseOutageTests {
    @Test func apiAnswers503WithRetryAfterWhileTheDatabaseIsDownAndRecovers() async throws {
        let gate = try await GateFixture.get()
        let (server, forwarder) = try await ServerFixture.startBehindForwarder()
        let token = server.token(["operator"])
        let body = try server.json(["csr": String(decoding: try OpenSSLCSR.make(subject: "/CN=outage", in: server.scratch), as: UTF8.self)])
        let path = "/api/ca/v1/cas/\(gate.subID)/sign"
        #expect(try server.curl("POST", path, token: token, body: body).status == 201)

        forwarder.stop()
        var refused: ServerFixture.HTTPResult?
        for _ in 0..<20 {
            let result = try server.curl("POST", path, token: token, body: body, headers: ["Expect:"])
            if result.status == 503 { refused = result; break }
            try await Task.sleep(for: .milliseconds(500))
        }
        let outage = try #require(refused, "no 503 while the database was down")
        #expect(outage.header("Retry-After") == "5")
        #expect((try outage.json()["error"] as? [String: Any])?["code"] as? String == "unavailable")
        #expect(try server.curl("GET", "/ready").status == 503)
        #expect(try server.curl("GET", "/health").status == 200)

        try forwarder.start()
        var recovered = false
        for _ in 0..<40 where !recovered {
            recovered = try server.curl("POST", path, token: token, body: body).status == 201
            if !recovered { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(recovered, "issuance did not work again after the database came back")
        ServerProcesses.shared.process(port: server.port)?.terminate()
    }
}
