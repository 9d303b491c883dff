import Synchronization

/// Where one issuance's time goes, stage by stage, for `signet bench stages`.
///
/// Off unless a bench binds ``current`` around its calls: the gate then adds each stage's
/// wall time to the recorder. With one issuance at a time the stages that compute (CSR
/// checks, policy, TBS, lint, verification) take exactly their CPU time; the two that wait
/// (the token, the database) show how long the gate waited on them.
public final class IssuanceStages: Sendable {
    @TaskLocal public static var current: IssuanceStages?

    public enum Stage: String, CaseIterable, Sendable {
        case csr = "CSR decode, structure and proof of possession"
        case policy = "CA, profile and issuance rules"
        case tbs = "TBS build and certificate assembly"
        case lint = "lint of the TBS"
        case decision = "decision recorded (durable)"
        case token = "token signature"
        case verify = "signature verified"
        case firstOCSP = "first OCSP response signed and verified"
        case store = "certificate stored (durable)"
        /// The whole certificate construction: TBS, lint, decision and token together
        /// (`tbs` is what remains of it once the other three are taken out).
        case certificate = "certificate construction"
    }

    private let totals = Mutex<[Stage: (nanoseconds: Int64, count: Int)]>([:])

    public init() {}

    /// Mean nanoseconds of each stage per issuance, in pipeline order.
    public func perIssuance(_ issuances: Int) -> [(stage: Stage, nanoseconds: Double)] {
        let totals = self.totals.withLock { $0 }
        func total(_ stage: Stage) -> Double { Double(totals[stage]?.nanoseconds ?? 0) }
        let count = Double(max(1, issuances))
        return Stage.allCases.filter { $0 != .certificate }.map { stage in
            let nanoseconds = stage == .tbs ? total(.certificate) - total(.lint) - total(.decision) - total(.token) : total(stage)
            return (stage, nanoseconds / count)
        }
    }

    func add(_ stage: Stage, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        totals.withLock { totals in
            let old = totals[stage] ?? (0, 0)
            totals[stage] = (old.nanoseconds + nanoseconds, old.count + 1)
        }
    }

    /// Times `body` as `stage` when a recorder is bound; otherwise just runs it.
    static func time<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
        guard let recorder = current else { return try body() }
        let start = ContinuousClock.now
        defer { recorder.add(stage, since: start) }
        return try body()
    }

    static func time<T>(_ stage: Stage, _ body: () async throws -> T) async rethrows -> T {
        guard let recorder = current else { return try await body() }
        let start = ContinuousClock.now
        defer { recorder.add(stage, since: start) }
        return try await body()
    }
}
