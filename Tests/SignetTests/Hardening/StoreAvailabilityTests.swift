@testable import SignetServer
import Testing

/// Which database errors are the database unable to serve now (503 with Retry-After) rather
/// than a failure of the server (500). deploy/chaos proves the common ones end to end (a full
/// disk, a crash, a failover); this pins the table, so that none slips back to a 500.
@Suite struct StoreAvailabilityTests {
    @Test(arguments: ["53100", "53200", "53300", "57P01", "57P02", "57P03", "08006", "08001", "58030", "25006"])
    func serverStatesThatMeanRetryLater(state: String) {
        #expect(StoreAvailability.isUnavailableState(state))
    }

    @Test(arguments: ["23505", "40001", "42P01", "22P02", "P0001", "57014", "25P02"])
    func statementFailuresStayFailures(state: String) {
        #expect(!StoreAvailability.isUnavailableState(state), "a failed statement is not an outage")
    }
}
