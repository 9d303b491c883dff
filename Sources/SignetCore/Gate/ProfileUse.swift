/// Whether a CA may issue with a profile for a requester, before anything in the request is
/// looked at. The rules keep three doors shut that a sign request must never open:
/// CA certificates (only CA creation makes them, into token keys, or the administrators'
/// external-CA operation), delegated OCSP responder certificates (only the responder path
/// makes them) and profiles the CA does not name.
extension SigningCore {
    func checkProfileUse(_ stored: StoredProfile, by ca: SigningCA, requester: Requester, log: inout RuleLog) throws {
        let profile = stored.profile
        guard !profile.signAsCA else {
            throw log.fail("ca.path", "profile '\(profile.id)' makes CA certificates; those are issued only by CA creation (admin, key generated in the token) or by the admin operation that signs an external CA")
        }
        guard !profile.ocspResponder else {
            throw log.fail("profile.ocsp_responder", "profile '\(profile.id)' makes delegated OCSP responder certificates; only the CA's ocsp-signer setting uses it")
        }
        try checkAllowed(profile.id, by: ca.record, log: &log)
        try checkRole(profile, requester: requester, log: &log)
    }

    /// The CA names the profile among those it issues with.
    func checkAllowed(_ profileID: String, by ca: CARecord, log: inout RuleLog) throws {
        guard ca.allowedProfiles.contains(profileID) else {
            throw log.fail("ca.allowed_profiles", "CA '\(ca.id)' does not issue with profile '\(profileID)'; it allows \(ca.allowedProfiles)")
        }
        log.pass("ca.allowed_profiles", "'\(profileID)' is among \(ca.allowedProfiles)")
    }

    func checkRole(_ profile: IssuanceProfile, requester: Requester, log: inout RuleLog) throws {
        switch profile.requiredRole {
        case .admin where !requester.isAdmin:
            throw log.fail("profile.required_role", "profile '\(profile.id)' may be used by administrators only", kind: .forbidden)
        case .admin:
            log.pass("profile.required_role", "admin")
        case .operator:
            log.pass("profile.required_role", "any issuing role")
        }
    }
}
