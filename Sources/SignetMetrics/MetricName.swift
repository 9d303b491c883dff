/// Every metric Signet exports, with its labels. Label values are bounded (see
/// ``MetricLabel``): no serial, device id, request path or other per-request value is a label.
public enum MetricName: String, Sendable, CaseIterable {
    // HTTP (the server's request middleware)
    /// Counter; `route` (the route template, or `unmatched`), `method`, `status`.
    case httpRequests = "signet_http_requests_total"
    /// Histogram of seconds; `route`, `method`.
    case httpRequestDuration = "signet_http_request_duration_seconds"

    // The gate
    /// Counter of recorded gate decisions; `action`, `ca`, `profile` (empty when none
    /// governs the action), `outcome` (`approved`, `refused`, `failed`).
    case gateDecisions = "signet_gate_decisions_total"
    /// Counter of refused and failed decisions; `action`, `ca`, `rule`, `outcome`.
    case gateRefusals = "signet_gate_refusals_total"
    /// Counter of certificates committed; `ca`, `profile`.
    case certificatesIssued = "signet_certificates_issued_total"
    /// Counter of certificates revoked; `reason`, `scope` (`certificate` for one revoked by
    /// name, `ca` for those a CA's revocation revoked with it).
    case revocations = "signet_revocations_total"

    // EST
    /// Counter; `dms` (`_unknown` for a DMS that does not exist), `operation`, `outcome`
    /// (`ok`, `refused` for a 4xx, `error` for a 5xx).
    case estOperations = "signet_est_operations_total"

    // The token
    /// Counter; `operation`, `outcome` (`ok`, `error`).
    case tokenCalls = "signet_token_calls_total"
    /// Histogram of seconds; `operation`.
    case tokenCallDuration = "signet_token_call_duration_seconds"
    /// Gauge, 1 while the token answers a probe, 0 while it does not.
    case tokenUp = "signet_token_up"
    /// Counter of connections made again after the token was lost.
    case tokenReconnects = "signet_token_reconnects_total"

    // The database
    /// Gauge; `state` (`in_use`: connections leased to a statement or transaction;
    /// `waiting`: statements waiting for one; at each refresh, as PostgreSQL sees this
    /// process's connections: `open`, and of those `idle`).
    case databasePool = "signet_db_pool_connections"
    /// Gauge: the most connections this process's pool opens.
    case databasePoolMaximum = "signet_db_pool_max_connections"
    /// Counter of statements that did not answer within their deadline.
    case databaseDeadlineHits = "signet_db_deadline_hits_total"
    /// Histogram of rows per group commit; `writer`.
    case groupCommitBatchSize = "signet_group_commit_batch_size"

    // Revocation publication
    /// Counter of OCSP answers; `status` (the OCSP response status), `source` (`presigned`:
    /// a stored response; `cached`: a cached `unknown`; `signed`: signed for this request;
    /// `none`: an unsigned error status).
    case ocspAnswers = "signet_ocsp_answers_total"
    /// Counter of responses signed by the background pre-signer.
    case ocspPresigned = "signet_ocsp_presigned_total"
    /// Counter; `ca`, `kind` (`full`, `delta`).
    case crlPublications = "signet_crl_publications_total"
    /// Gauge: seconds since the CA's newest CRL of a kind was published (by any server);
    /// `ca`, `kind` (`full`, `delta`).
    case crlAge = "signet_crl_age_seconds"
    /// Gauge: the validity this server gives CRLs of a kind (`crl_validity`,
    /// `delta_crl_validity`); `kind`.
    case crlValidity = "signet_crl_validity_seconds"

    // Audit
    /// Counter of audit rows this process sealed into the chain.
    case auditRowsSealed = "signet_audit_rows_sealed_total"
    /// Gauge: age in seconds of the oldest audit row not yet sealed (0 when none).
    case auditOldestUnsealed = "signet_audit_oldest_unsealed_seconds"

    // The registry
    /// Gauge of devices; `status` (the derived status).
    case devices = "signet_devices"
    /// Gauge of import jobs; `status`.
    case importJobs = "signet_import_jobs"
    /// Gauge of rows of unfinished import jobs; `state` (`done`, `total`).
    case importRows = "signet_import_rows"

    // The process
    /// Gauge: resident memory in bytes.
    case residentMemory = "process_resident_memory_bytes"
    /// Gauge: open file descriptors.
    case openFileDescriptors = "process_open_fds"
}
