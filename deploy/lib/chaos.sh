# shellcheck shell=bash
# The parts of deploy/chaos: a state folder of its own with a CA bootstrapped the way
# deploy/run does it, the token served by `p11-kit server` (so that stopping it is a token
# outage, as a network HSM's would be), `signet serve` processes started the production
# way, the faults, and the checks run after each scenario. deploy/chaos sets $root,
# $state, $signet and $work before sourcing this file, and has sourced deploy/lib/env.sh.

chaos_base_port=18440

# The signet database on a tablespace of its own: a 1 GiB sparse ext4 file mounted on
# DIR/small, which the disk-full scenario fills (root only: it mounts). Fresh each run.
chaos_small_disk() (
    set -euo pipefail
    _signet_open_state "$state" existing
    _signet_pg_load
    # A failover scenario of an earlier run may have left the primary waiting for a standby.
    printf "ALTER SYSTEM RESET synchronous_standby_names;\nSELECT pg_reload_conf();\n" | _signet_psql_admin >/dev/null
    printf 'DROP DATABASE IF EXISTS signet WITH (FORCE);\nDROP TABLESPACE IF EXISTS chaos_small;\n' | _signet_psql_admin
    mountpoint -q "$state/small" && umount "$state/small"
    ((EUID == 0)) || { echo "chaos: the disk-full scenario mounts a small file system and needs root" >&2; exit 1; }
    mkdir -p "$state/small"
    rm -f "$state/small.img"
    truncate -s 1G "$state/small.img"
    mkfs.ext4 -q -m 0 "$state/small.img"
    mount -o loop "$state/small.img" "$state/small"
    install -d -o postgres -g postgres -m 0700 "$state/small/pg"
    printf "CREATE TABLESPACE chaos_small LOCATION '%s';\nCREATE DATABASE signet OWNER signet TABLESPACE chaos_small;\n" "$state/small/pg" |
        _signet_psql_admin
)

# Stops and deletes the state folder's cluster, if it has one; the next setup makes a new one.
chaos_discard_cluster() (
    [[ -s $state/pg.path ]] || exit 0
    _signet_open_state "$state" existing
    _signet_pg_load
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$_PG_DATA" -m immediate >/dev/null 2>&1 || true
    # A failed failover run keeps its standby (promoted or not) running too; its tablespace
    # is on the small disk.
    [[ -d $state/pg-standby ]] && { _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$state/pg-standby" -m immediate >/dev/null 2>&1 || true; }
    rm -rf -- "$_PG_DATA" "$state/pg-standby" "$state/pg-standby-socket"
    mountpoint -q "$state/small" 2>/dev/null && umount "$state/small"
    rm -f "$state/small.img"
)

chaos_small_disk_release() {
    mountpoint -q "$state/small" 2>/dev/null && umount "$state/small" || true
    rm -f "$state/small.img"
}

# Fills the small file system to its last block (root's file: PostgreSQL cannot remove it).
# VACUUM first hands back the empty pages that PostgreSQL added ahead of need at the ends
# of the busiest tables, so the next rows need space the disk no longer has.
chaos_disk_fill() {
    chaos_psql -c "VACUUM certificates, audit_log, device_events, devices" >/dev/null 2>&1 || true
    local free
    free=$(df --output=avail -B1 "$state/small" | tail -1)
    # fallocate of all that is free fails (its extent tree needs blocks too), and a 1 MiB dd
    # leaves its last partial megabyte free: tens of pages, seconds of issuance. So most of
    # it at once, then block by block until the file system refuses.
    fallocate -l $((free > 8388608 ? free - 8388608 : 0)) "$state/small/fill" 2>/dev/null || true
    dd if=/dev/zero of="$state/small/fill" bs=4096 oflag=append conv=notrunc status=none 2>/dev/null || true
    sync -f "$state/small/fill"
}

# Bootstraps profiles, a root and an issuing CA in the token, the servers' TLS certificate,
# the audit key, a JWT key, and a manufacturer CA with a JITP DMS that trusts it.
chaos_bootstrap() {
    "$signet" profile apply "$root/policies" >/dev/null
    "$signet" ca create-root --id root --subject "CN=Chaos Root,O=Signet" --key ec-p256 --profile root-ca \
        --issuance-profile subordinate-ca --allow-profile audit-signer >/dev/null
    "$signet" ca create-sub --parent root --id issuing --subject "CN=Chaos Issuing CA,O=Signet" --key ec-p256 \
        --profile subordinate-ca --issuance-profile iot-device --allow-profile tls-server >/dev/null
    local tls=$state/tls
    install -d -m 0700 "$tls"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/server.key" \
        -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out "$tls/server.csr" 2>/dev/null
    "$signet" issue --ca issuing --profile tls-server --csr "$tls/server.csr" --out "$tls/server.pem" >/dev/null
    "$signet" ca show issuing >"$tls/issuing.pem"
    "$signet" ca show root >"$tls/root.pem"
    cat "$tls/server.pem" "$tls/issuing.pem" >"$tls/chain.pem"
    "$signet" audit init-key --ca root >"$tls/audit.pem"
    "$signet" auth init --key-file "$state/secrets/jwt.key" --jwks-file "$state/jwks.json" >/dev/null

    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tls/mfr.key" -out "$tls/mfr.pem" -days 30 \
        -subj "/CN=Chaos Manufacturer" -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    "$signet" ca import --id chaos-mfr --cert "$tls/mfr.pem" >/dev/null
    python3 - "$root/policies/dms/jitp-fleet.json" "$work/dms.json" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
document["id"], document["name"] = "chaos-fleet", "Chaos fleet"
enrollment = document["settings"]["enrollment_settings"]
enrollment["enrollment_ca"] = "issuing"
client = enrollment["est_rfc7030_settings"]["client_certificate_settings"]
client["validation_cas"] = ["chaos-mfr"]
client["allow_unknown_revocation_status"] = True  # the manufacturer publishes no CRL
json.dump(document, open(sys.argv[2], "w"))
PY
    "$signet" dms apply "$work/dms.json" >/dev/null
    # Pre-registered devices enrolling with one-time passcodes, for the passcode race.
    python3 - "$root/policies/dms/pre-registered-fleet.json" "$work/dms-passcodes.json" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))
document["id"], document["name"] = "chaos-passcodes", "Chaos passcode devices"
enrollment = document["settings"]["enrollment_settings"]
enrollment["enrollment_ca"] = "issuing"
enrollment["registration_mode"] = "PRE_REGISTRATION"
enrollment["est_rfc7030_settings"] = {"auth_mode": "PASSCODE", "passcode_settings": {"usage_limit": 1, "validity": "1h"}}
json.dump(document, open(sys.argv[2], "w"))
PY
    "$signet" dms apply "$work/dms-passcodes.json" >/dev/null
}

# The token over a Unix socket. SIGKILL for the server and the per-client children it
# forks: every link to the token drops at once. The server is stopped first so that it
# cannot fork a child between the children's end and its own: a child that outlived it
# would keep a client's link open (its call waiting for an answer that never comes), which
# is not the outage this scenario means.
chaos_token_start() {
    rm -f "$work/p11kit.sock"
    p11-kit server -f -n "$work/p11kit.sock" --provider "$SIGNET_PKCS11_MODULE" "pkcs11:token=$SIGNET_TOKEN_LABEL" \
        >>"$state/log/p11kit.log" 2>&1 &
    echo $! >"$work/p11kit.pid"
    local i
    for i in $(seq 1 100); do [[ -S $work/p11kit.sock ]] && return 0; sleep 0.05; done
    echo "chaos: p11-kit server did not start (see $state/log/p11kit.log)" >&2
    return 1
}

chaos_token_stop() {
    local pid
    pid=$(cat "$work/p11kit.pid" 2>/dev/null) || return 0
    kill -STOP "$pid" 2>/dev/null || true
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$work/p11kit.pid" "$work/p11kit.sock"
}

chaos_url() { echo "https://127.0.0.1:$((chaos_base_port + $1))"; }

# Starts server N (1, 2, …) on its own port with the shared database and token, and waits
# until it is ready. Each server keeps its own log and audit checkpoint file, as separate
# machines would.
chaos_server_start() {
    local n=$1
    env SIGNET_LISTEN_PORT=$((chaos_base_port + n)) SIGNET_DATABASE_URL="${chaos_database_url:-$SIGNET_DATABASE_URL}" \
        SIGNET_PKCS11_MODULE="$SIGNET_P11KIT_CLIENT_MODULE" P11_KIT_SERVER_ADDRESS="unix:path=$work/p11kit.sock" \
        SIGNET_TLS_CERTIFICATE_FILE="$state/tls/chain.pem" SIGNET_TLS_KEY_FILE="$state/tls/server.key" \
        SIGNET_JWKS_FILE="$state/jwks.json" SIGNET_PUBLIC_URL="$(chaos_url 1)" SIGNET_DATABASE_CONNECTIONS=8 \
        SIGNET_AUDIT_CHECKPOINT_FILE="$state/audit-checkpoints-$n.jsonl" \
        "$signet" serve >>"$state/log/server-$n.log" 2>&1 &
    echo $! >"$work/server-$n.pid"
    disown $! # its SIGKILL is a scenario, not news for the terminal
    chaos_wait_ready "$n" 60 >/dev/null || { echo "chaos: server $n did not become ready (see $state/log/server-$n.log)" >&2; return 1; }
}

chaos_server_kill() {
    local pid
    pid=$(cat "$work/server-$1.pid" 2>/dev/null) || return 0
    kill "-${2:-TERM}" "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    rm -f "$work/server-$1.pid"
}

# chaos_wait_until LIMIT COMMAND...: runs COMMAND every 0.1 s until it succeeds; prints the
# seconds (to a tenth) that took, or fails after LIMIT seconds.
chaos_wait_until() {
    local limit=$1 started now
    shift
    started=$(date +%s%N)
    until "$@"; do
        now=$(date +%s%N)
        (((now - started) / 1000000000 >= limit)) && return 1
        sleep 0.1
    done
    chaos_seconds_since "$started"
}

# Seconds (to a tenth) since a `date +%s%N` reading.
chaos_seconds_since() { awk -v ns=$(($(date +%s%N) - $1)) 'BEGIN { printf "%.1f\n", ns / 1e9 }'; }

chaos_is_ready() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$state/tls/root.pem" "$(chaos_url "$1")/ready" | grep -qx 200
}

chaos_issues() {
    curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$state/tls/root.pem" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -d @"$work/probe.json" "$(chaos_url 1)/api/ca/v1/cas/issuing/sign" | grep -qx 201
}

# Seconds until server N answers /ready with 200; fails after LIMIT seconds.
chaos_wait_ready() { chaos_wait_until "$2" chaos_is_ready "$1"; }

# Seconds until server 1 issues again (a REST sign answered 201), at most LIMIT.
chaos_wait_issuing() {
    [[ -s $work/probe.json ]] || printf '{"csr": "%s"}' "$(openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
        -subj /CN=chaos-probe -outform DER 2>/dev/null | base64 -w0)" >"$work/probe.json"
    chaos_wait_until "$1" chaos_issues
}

# The slowest of the servers' times to ready, for a recovery figure.
chaos_wait_all_ready() {
    local n slowest=0 took
    for n in $(seq 1 "$1"); do
        took=$(chaos_wait_ready "$n" "$2") || { echo "never"; return 1; }
        slowest=$(awk -v a="$slowest" -v b="$took" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$slowest"
}

# The cluster stopped at once, as a crash would (no checkpoint, sessions cut).
chaos_db_crash() (
    set -euo pipefail
    _signet_open_state "$state" existing
    _signet_pg_load
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$_PG_DATA" -m immediate -w >>"$state/log/setup.log" 2>&1
)

# POST of a JSON body with the admin token to server 1; prints the body, fails unless 201.
chaos_admin_post() {
    local out
    out=$(curl -s -w '\n%{http_code}' --max-time 10 --cacert "$state/tls/root.pem" -H "Authorization: Bearer $admin_token" \
        -H 'Content-Type: application/json' -d "$2" "$(chaos_url 1)$1")
    [[ ${out##*$'\n'} == 201 ]] || { echo "chaos: POST $1 answered ${out##*$'\n'}: ${out%$'\n'*}" >&2; return 1; }
    echo "${out%$'\n'*}"
}

# Races one passcode per device from every server at once: exactly one enrollment per
# device may succeed, the others must be 401, and the database must hold one certificate
# per device. Prints "devices won_once stored_once" and the first anomaly.
chaos_race_passcodes() {
    local stamp=$1 devices=$2 servers=$3 d n id passcode pids=()
    for d in $(seq 1 "$devices"); do
        id=chaos-race-$stamp-$d
        chaos_admin_post /api/devmanager/v1/devices "{\"id\": \"$id\", \"dms_owner\": \"chaos-passcodes\"}" >/dev/null
        passcode=$(chaos_admin_post /api/dmsmanager/v1/dms/chaos-passcodes/passcodes "{\"device_id\": \"$id\"}" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["passcode"])')
        echo "$passcode" >"$work/race-$d.passcode"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj "/CN=$id" -outform DER 2>/dev/null |
            base64 -w0 >"$work/race-$d.csr"
    done
    for d in $(seq 1 "$devices"); do
        for n in $(seq 1 "$servers"); do
            curl -s -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$state/tls/root.pem" -u "chaos-race-$stamp-$d:$(<"$work/race-$d.passcode")" \
                -H 'Content-Type: application/pkcs10' --data-binary @"$work/race-$d.csr" \
                "$(chaos_url "$n")/.well-known/est/chaos-passcodes/simpleenroll" >"$work/race-$d-$n.status" &
            pids+=($!)
        done
    done
    wait "${pids[@]}"
    local won_once=0 stored_once=0 anomaly="" statuses wins
    for d in $(seq 1 "$devices"); do
        statuses=$(cat "$work"/race-"$d"-*.status | tr '\n' ' ')
        wins=$(grep -o 200 <<<"$statuses" | wc -l)
        if ((wins == 1)) && [[ $(grep -oE '[0-9]{3}' <<<"$statuses" | grep -cvE '^(200|401)$') == 0 ]]; then
            won_once=$((won_once + 1))
        else
            anomaly=${anomaly:-"device $d answered $statuses"}
        fi
        [[ $(chaos_psql -c "SELECT count(*) FROM certificates WHERE common_name = 'chaos-race-$stamp-$d'") == 1 ]] && stored_once=$((stored_once + 1))
    done
    echo "$devices $won_once $stored_once ${anomaly:-none}"
}

# A CSV import of ROWS devices submitted to server 1; once a server has committed a chunk
# of it, that server is killed (SIGKILL) and restarted. The job must then finish elsewhere,
# with every row range committed exactly once and every device registered. Prints "rows
# registered chunks runners killed_runner status" and fails when the job does not finish.
chaos_import_kill() {
    local stamp=$1 rows=$2 servers=$3 id i runner pid n victim=""
    { echo "id,dms,tags,metadata,group"; seq 1 "$rows" | sed "s/.*/chaos-import-$stamp-&,chaos-passcodes,,,/"; } >"$work/import.csv"
    id=$(curl -s --max-time 30 --cacert "$state/tls/root.pem" -H "Authorization: Bearer $admin_token" -H 'Content-Type: text/csv' \
        --data-binary @"$work/import.csv" "$(chaos_url 1)/api/devmanager/v1/devices/batch" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
    for i in $(seq 1 300); do
        runner=$(chaos_psql -c "SELECT runner FROM jobs WHERE id = '$id' AND next_row > 0 AND status = 'RUNNING'")
        [[ -n $runner ]] && break
        sleep 0.1
    done
    pid=$(sed -nE 's/.* pid ([0-9]+) .*/\1/p' <<<"$runner")
    for n in $(seq 1 "$servers"); do [[ $(cat "$work/server-$n.pid" 2>/dev/null) == "$pid" ]] && victim=$n; done
    if [[ -n $victim ]]; then
        chaos_server_kill "$victim" KILL
        chaos_server_start "$victim"
    fi
    for i in $(seq 1 1200); do
        [[ $(chaos_psql -c "SELECT status FROM jobs WHERE id = '$id'") == DONE ]] && break
        sleep 0.1
    done
    chaos_psql -F ' ' -c "SELECT $rows, (SELECT count(*) FROM devices WHERE id LIKE 'chaos-import-$stamp-%'),
        (SELECT count(*) FROM job_chunks WHERE job_id = '$id'), (SELECT count(DISTINCT runner) FROM job_chunks WHERE job_id = '$id'),
        ${victim:-0}, (SELECT status FROM jobs WHERE id = '$id'),
        (SELECT CASE WHEN count(*) = 0 THEN 0 WHEN min(from_row) = 0 AND max(to_row) = $rows AND sum(to_row - from_row) = $rows
                 AND bool_and(from_row = coalesce(previous, 0)) THEN 0 ELSE 1 END
         FROM (SELECT from_row, to_row, lag(to_row) OVER (ORDER BY from_row) AS previous FROM job_chunks WHERE job_id = '$id') c)"
}

# OCSP signatures since SINCE for the issuing CA (first responses signed at issuance,
# pre-signed batches and single answers signed on demand), against what needed one: each
# certificate issued since and each revoked since. Waits up to 30 s until every such
# certificate has a stored response of its current revision. Prints "presigned ondemand
# needed uncovered atissuance": more signatures than needs means some were signed twice.
chaos_ocsp_signatures() {
    local since=$1 i needed signed uncovered atissuance
    for i in $(seq 1 300); do
        uncovered=$(chaos_psql -c "SELECT count(*) FROM certificates c WHERE issuer_ca_id = 'issuing' AND issued_at >= '$since'
            AND NOT EXISTS (SELECT 1 FROM ocsp_responses o WHERE o.issuer_ca_id = c.issuer_ca_id AND o.serial_number = c.serial_number
                            AND o.revision = coalesce(c.revocation_seq, 0))")
        ((uncovered == 0)) && break
        sleep 0.1
    done
    needed=$(chaos_psql -c "SELECT (SELECT count(*) FROM certificates WHERE issuer_ca_id = 'issuing' AND issued_at >= '$since')
                                 + (SELECT count(*) FROM certificates WHERE issuer_ca_id = 'issuing' AND revoked_at >= '$since')")
    # Pre-signed batches record "N responses"; an on-demand answer is a decision of its own.
    signed=$(chaos_psql -c "SELECT coalesce(sum((regexp_match(detail, '\"detail\":\"([0-9]+) responses'))[1]::int) FILTER (WHERE detail ~ '\"detail\":\"[0-9]+ responses'), 0)
                                 || ' ' || count(*) FILTER (WHERE detail !~ '\"detail\":\"[0-9]+ responses') FROM audit_log
                            WHERE action = 'SIGN_OCSP' AND target = 'issuing' AND outcome = 'APPROVED' AND recorded_at >= '$since'")
    # A first response signed at issuance is covered by the certificate's approval.
    atissuance=$(chaos_psql -c "SELECT count(*) FROM ocsp_responses o JOIN certificates c USING (issuer_ca_id, serial_number)
                                JOIN audit_log a ON a.id = c.decision_id
                                WHERE c.issuer_ca_id = 'issuing' AND c.issued_at >= '$since' AND a.detail LIKE '%ocsp.first_response%'")
    echo "$signed $needed $uncovered $atissuance"
}

# ---------------------------------------------------------------------------
# A relay between the servers and PostgreSQL (deploy/lib/tcp-relay.py): latency for the
# slow-database scenario, and the endpoint a failover manager moves to the new primary.
# ---------------------------------------------------------------------------
chaos_relay_port=18450

chaos_relay_start() {
    echo "127.0.0.1 $1 0" >"$work/relay.control"
    python3 "$root/deploy/lib/tcp-relay.py" "$chaos_relay_port" "$work/relay.control" >>"$state/log/relay.log" 2>&1 &
    echo $! >"$work/relay.pid"
    disown $!
    local i
    for i in $(seq 1 50); do (echo >"/dev/tcp/127.0.0.1/$chaos_relay_port") 2>/dev/null && break; sleep 0.1; done
    chaos_database_url=$(sed -E "s#@127\.0\.0\.1:[0-9]+/#@127.0.0.1:$chaos_relay_port/#" <<<"$SIGNET_DATABASE_URL")
}

# chaos_relay_set PORT DELAY_MS
chaos_relay_set() { echo "127.0.0.1 $1 $2" >"$work/relay.control.tmp" && mv -f "$work/relay.control.tmp" "$work/relay.control"; sleep 0.5; }

chaos_relay_stop() {
    [[ -s $work/relay.pid ]] && kill "$(cat "$work/relay.pid")" 2>/dev/null || true
    rm -f "$work/relay.pid"
    chaos_database_url=""
}

# ---------------------------------------------------------------------------
# A streaming standby of the chaos cluster, synchronous (the primary's commits wait for
# it, so a failover loses no acknowledged row), on port SIGNET_PG_PORT + 1.
# ---------------------------------------------------------------------------
chaos_standby_start() (
    set -euo pipefail
    _signet_open_state "$state" existing
    _signet_pg_load
    local data=$state/pg-standby socket=$state/pg-standby-socket port=$((_PG_PORT + 1))
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$data" -m immediate >/dev/null 2>&1 || true
    rm -rf -- "$data" "$socket" "$state/small/pg-standby"
    install -d -o postgres -g postgres -m 0700 "$data" "$socket" "$state/small/pg-standby"
    _signet_pg_as_owner "$_PG_BIN/pg_basebackup" -h "$_PG_SOCKET" -p "$_PG_PORT" -D "$data" -X stream -c fast \
        -T "$state/small/pg=$state/small/pg-standby" >>"$state/log/setup.log" 2>&1
    printf "port = %s\nunix_socket_directories = '%s'\nprimary_conninfo = 'host=%s port=%s application_name=chaos_standby'\n" \
        "$port" "$socket" "$_PG_SOCKET" "$_PG_PORT" | _signet_pg_as_owner tee -a "$data/postgresql.auto.conf" >/dev/null
    _signet_pg_as_owner touch "$data/standby.signal"
    # Its output goes to a file this shell opens: the postgres user cannot reach DIR/log.
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" start -D "$data" -w -t 60 >>"$state/log/standby.log" 2>&1 </dev/null
    printf "ALTER SYSTEM SET synchronous_standby_names = 'chaos_standby';\nSELECT pg_reload_conf();\n" | _signet_psql_admin >/dev/null
    local i
    for i in $(seq 1 100); do
        [[ $(_signet_psql_admin -tA -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'chaos_standby'") == sync ]] && exit 0
        sleep 0.1
    done
    echo "chaos: the standby did not become synchronous (see $state/log/standby.log)" >&2
    exit 1
)

chaos_standby_promote() (
    set -euo pipefail
    _signet_open_state "$state" existing
    _signet_pg_load
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" promote -D "$state/pg-standby" -w >/dev/null
)

chaos_standby_stop() (
    _signet_open_state "$state" existing
    _signet_pg_load
    [[ -d $state/pg-standby ]] && _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$state/pg-standby" -m fast >/dev/null 2>&1
    rm -rf -- "$state/pg-standby" "$state/pg-standby-socket"
)

# chaos_sync_names VALUE: sets synchronous_standby_names on the primary and reloads.
chaos_sync_names() (
    _signet_open_state "$state" existing
    _signet_pg_load
    printf "ALTER SYSTEM SET synchronous_standby_names = '%s';\nSELECT pg_reload_conf();\n" "$1" | _signet_psql_admin >/dev/null
)

chaos_psql() { psql -X -q -tA -v ON_ERROR_STOP=1 "${chaos_database_url:-$SIGNET_DATABASE_URL}" "$@"; }

# Checks one scenario's outcome against the database: every certificate a client received
# is stored with its approved decision; none was received twice; what was stored but never
# received is counted and listed. Prints "returned stored unreturned missing undecided
# duplicates" and lists the unreturned serials in $work/NAME.unreturned.
chaos_reconcile() {
    local name=$1 prefix=$2 record=$work/$1.tsv
    chaos_psql <<SQL
CREATE TEMP TABLE received (serial_number text, kind text, server int, common_name text);
\copy received FROM '$record'
CREATE TEMP VIEW stored AS SELECT * FROM certificates WHERE common_name LIKE '$prefix-%';
\o $work/$name.unreturned
SELECT serial_number, common_name FROM stored s WHERE NOT EXISTS (SELECT 1 FROM received r WHERE r.serial_number = s.serial_number);
\o
SELECT (SELECT count(*) FROM received),
       (SELECT count(*) FROM stored),
       (SELECT count(*) FROM stored s WHERE NOT EXISTS (SELECT 1 FROM received r WHERE r.serial_number = s.serial_number)),
       (SELECT count(*) FROM received r WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.serial_number = r.serial_number)),
       (SELECT count(*) FROM stored s WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = s.decision_id AND a.category = 'DECISION'
            AND a.action = 'ISSUE' AND a.outcome = 'APPROVED' AND a.serial_number = s.serial_number)),
       (SELECT count(*) FROM (SELECT serial_number FROM received GROUP BY 1 HAVING count(*) > 1) d);
SQL
}

# CRL numbers per CA: strictly increasing from the first kept, no gap, and the counter
# the publishers allocate from at the last one published. Prints the CAs that break it.
chaos_crl_gaps() {
    chaos_psql -c "SELECT c.ca_id FROM crls c JOIN crl_publication p USING (ca_id) GROUP BY c.ca_id, p.crl_number
                   HAVING max(c.crl_number) - min(c.crl_number) + 1 <> count(*) OR max(c.crl_number) <> p.crl_number"
}

# A key=value field of the load client's summary line.
chaos_field() { sed -nE "s/^load:.* $2=([0-9]+).*/\1/p" "$1"; }

# While FILE exists, samples the servers' sessions left idle inside a transaction for more
# than SECONDS (a pooled connection handed back with its transaction open: what ran on it
# after would never commit). Appends one line per such session to OUT: pid, age, last
# statement. Where the relay delays packets, a transaction's next statement is that long
# on its way, so the bound must exceed the round trip.
chaos_watch_transactions() {
    local out=$1 running=$2 seconds=$3
    while [[ -e $running ]]; do
        chaos_psql -F ' | ' -c "SELECT pid, round(extract(epoch FROM now() - state_change)::numeric, 1), left(query, 120)
            FROM pg_stat_activity WHERE usename = 'signet' AND state LIKE 'idle in transaction%'
            AND now() - state_change > interval '$seconds seconds'" >>"$out" 2>/dev/null || true
        sleep 0.5
    done
}
