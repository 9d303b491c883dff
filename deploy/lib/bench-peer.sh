# shellcheck shell=bash
# The peer half of `deploy/bench --peer`, sourced by deploy/bench (which has set $state,
# $work, $signet, $url, $token, $seconds, $ca and the measure/busy helpers).
#
# In one run, beside Signet's REST sign: cfssl `serve` signing the same CSR shape with its
# key in a file, once with its PostgreSQL certificate database (a database of its own in
# the same cluster, synchronous_commit on, as Signet's) and once without; the raw parts a
# certificate cannot do without (a token signature, two P-256 verifications, an
# authenticated HTTPS GET served from memory, a group-committed single-row insert); and
# the ratios the issuance-cost targets are stated in.

bench_peer_install() {
    local missing=()
    command -v cfssl >/dev/null 2>&1 || missing+=(golang-cfssl)
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
    ((${#missing[@]} == 0)) && return 0
    echo "bench: installing ${missing[*]}" >&2
    local as_root=()
    ((EUID == 0)) || as_root=(sudo)
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The database URL of Signet's cluster with another database name (and without TLS:
# cfssl's driver would ask for it, and the cluster is on loopback).
bench_peer_url() {
    local url
    url=$(sed -E "s#/[^/?]+(\?|$)#/$1\1#" <<<"$SIGNET_DATABASE_URL")
    [[ $url == *\?* ]] && echo "$url&sslmode=disable" || echo "$url?sslmode=disable"
}

# A CA key in a file and cfssl's signing configuration; the certdb schema in cfssl_bench.
bench_peer_prepare() {
    local peer=$work/cfssl
    mkdir -p "$peer"
    openssl ecparam -name prime256v1 -genkey -noout -out "$peer/ca-key.pem"
    openssl req -x509 -new -key "$peer/ca-key.pem" -subj "/CN=bench cfssl CA" -days 30 \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$peer/ca.pem" 2>/dev/null
    cat >"$peer/config.json" <<'JSON'
{"signing": {"default": {"usages": ["digital signature", "key agreement", "client auth"], "expiry": "8760h"}}}
JSON
    # shellcheck source=/dev/null
    . "$root/deploy/lib/env.sh"
    signet_reset_extra_database "$state" cfssl_bench >/dev/null
    bench_peer_db=$(bench_peer_url cfssl_bench)
    psql -X -q -v ON_ERROR_STOP=1 "$bench_peer_db" <<'SQL'
CREATE TABLE certificates (
    serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL, ca_label bytea, status bytea NOT NULL,
    reason int, expiry timestamptz, revoked_at timestamptz, pem bytea NOT NULL,
    PRIMARY KEY (serial_number, authority_key_identifier)
);
CREATE TABLE ocsp_responses (
    serial_number bytea NOT NULL, authority_key_identifier bytea NOT NULL, body bytea NOT NULL, expiry timestamptz,
    PRIMARY KEY (serial_number, authority_key_identifier),
    FOREIGN KEY (serial_number, authority_key_identifier) REFERENCES certificates (serial_number, authority_key_identifier)
);
CREATE TABLE bench_rows (id uuid PRIMARY KEY, body text NOT NULL);
SQL
    printf '{"driver": "postgres", "data_source": "%s"}\n' "$bench_peer_db" >"$peer/db.json"
    chmod 600 "$peer/db.json"
    # The same CSR Signet signs, as cfssl's JSON wants it (PEM).
    python3 - "$work/csr.der" "$peer/sign.json" <<'PY'
import base64, json, sys, textwrap
der = open(sys.argv[1], "rb").read()
pem = "-----BEGIN CERTIFICATE REQUEST-----\n" + "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64)) + "\n-----END CERTIFICATE REQUEST-----\n"
json.dump({"certificate_request": pem}, open(sys.argv[2], "w"))
PY
    local label
    for label in "cfssl sign + PostgreSQL:db" "cfssl sign, no database:plain"; do
        cat >"$peer/sign-${label#*:}.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("$peer/sign.json")
wrk.body = file:read("*a")
file:close()
$(bench_summary_lua "${label%:*}")
LUA
    done
}

# A wrk done() that prints one summary line under the label given.
bench_summary_lua() {
    cat <<LUA
done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("%-34s %7.0f /s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d failed)\n", "$1",
    summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests, bad))
end
LUA
}

# Starts cfssl serve on PORT (with the certificate database when the second argument is db).
bench_peer_start() {
    local port=$1 db=${2:-} peer=$work/cfssl arguments=()
    [[ $db == db ]] && arguments=(-db-config "$peer/db.json")
    cfssl serve -address 127.0.0.1 -port "$port" -ca "$peer/ca.pem" -ca-key "$peer/ca-key.pem" \
        -config "$peer/config.json" "${arguments[@]}" -loglevel 5 >"$peer/serve-$port.log" 2>&1 &
    echo $! >"$peer/serve-$port.pid"
    local i
    for i in $(seq 1 100); do
        curl -sf -o /dev/null -X POST -d @"$peer/sign.json" "http://127.0.0.1:$port/api/v1/cfssl/sign" && return 0
        sleep 0.1
    done
    echo "bench: cfssl serve did not start on $port: $(tail -5 "$peer/serve-$port.log")" >&2
    return 1
}

bench_peer_stop() {
    local file
    for file in "$work"/cfssl/serve-*.pid; do
        [[ -f $file ]] && kill "$(cat "$file")" 2>/dev/null || true
    done
}

# Machine CPU per transaction of a pgbench run: a single-row insert, committed durably by
# 16 clients, so commits group as they do under Signet's load.
bench_peer_insert() {
    local script=$work/cfssl/insert.sql before after out count
    echo "INSERT INTO bench_rows (id, body) VALUES (gen_random_uuid(), repeat('x', 600));" >"$script"
    before=$(busy)
    out=$(PGOPTIONS='-c synchronous_commit=on' "$(bench_pg_bin)/pgbench" -n -c 16 -j 2 -T "$seconds" -f "$script" "$bench_peer_db" 2>&1)
    after=$(busy)
    count=$(awk '/number of transactions actually processed/ {split($0, a, ": "); split(a[2], b, "/"); print b[1]}' <<<"$out")
    count=${count:-0}
    bench_insert_us=$(( (after - before) * 1000000 / hz / (count > 0 ? count : 1) ))
    printf '%-34s %7.0f /s  machine CPU %s µs/insert\n' "PostgreSQL single-row insert" "$(awk -v n="$count" -v s="$seconds" 'BEGIN {print n / s}')" "$bench_insert_us"
}

bench_pg_bin() {
    local bin
    for bin in /usr/lib/postgresql/*/bin; do [[ -x $bin/pgbench ]] && { echo "$bin"; return; }; done
    echo /usr/bin
}

# Pulls "<rate>" and "<cpu>" out of a measure line.
bench_rate() { awk '{for (i = 1; i <= NF; i++) if ($(i+1) == "/s") { print $i; exit }}' <<<"$1"; }
bench_cpu() { sed -nE 's/.*machine CPU ([0-9]+) µs.*/\1/p' <<<"$1"; }

# A manufacturer CA (imported, keyless) and a JITP DMS that trusts it, for `signet bench est`:
# each bench device gets a bootstrap certificate from this CA and enrolls once.
bench_est_prepare() {
    local est=$work/est stamp
    stamp=$(date +%s)
    mkdir -p "$est"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$est/mfr.key" -out "$est/mfr.pem" -days 30 \
        -subj "/CN=Bench Manufacturer $stamp" -addext "basicConstraints=critical,CA:true" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    bench_est_mfr=bench-mfr-$stamp
    bench_est_dms=bench-est-$stamp
    "$signet" ca import --id "$bench_est_mfr" --cert "$est/mfr.pem" >/dev/null
    python3 - "$root/policies/dms/jitp-fleet.json" "$est/dms.json" "$bench_est_dms" "$bench_est_mfr" "$ca" <<'PY'
import json, sys
source, target, dms, manufacturer, ca = sys.argv[1:]
document = json.load(open(source))
document["id"], document["name"] = dms, "EST benchmark"
enrollment = document["settings"]["enrollment_settings"]
enrollment["enrollment_ca"] = ca
client = enrollment["est_rfc7030_settings"]["client_certificate_settings"]
client["validation_cas"] = [manufacturer]
client["allow_unknown_revocation_status"] = True  # the manufacturer publishes no CRL
json.dump(document, open(target, "w"))
PY
    "$signet" dms apply "$est/dms.json" >/dev/null
}

# signet bench est with the bench DMS; extra arguments pass through.
bench_est() {
    "$signet" bench est --ca-file "$state/tls/root.pem" --manufacturer-cert "$work/est/mfr.pem" --manufacturer-key "$work/est/mfr.key" \
        --dms "$bench_est_dms" --seconds "$seconds" --devices 6000 --prefix "$bench_est_dms-$RANDOM" "$@"
}

bench_peer_run() {
    bench_peer_install
    bench_peer_prepare
    trap 'bench_peer_stop; rm -rf "$work"' EXIT
    bench_peer_start 8888
    bench_peer_start 8889 db

    echo "calibration (same run):"
    local speed sign_rate verify_rate token_line token_rate
    speed=$(openssl speed -seconds 2 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1), $NF}')
    sign_rate=${speed% *}
    verify_rate=${speed#* }
    printf '  openssl speed P-256: %s sign/s, %s verify/s (one core)\n' "$sign_rate" "$verify_rate"
    token_line=$("$signet" bench token --seconds 3 | grep '1 session')
    token_rate=${token_line##*: }
    printf '  %s\n' "$token_line"

    cat >"$work/get.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $token"
$(bench_summary_lua "authenticated GET from memory")
LUA
    bench_est_prepare
    local results=() est_line=""
    for connections in 1 16; do
        printf 'connections: %s, %s s each\n' "$connections" "$seconds"
        local rest cfssl_db cfssl_plain get
        local threads=$((connections < 2 ? connections : 2))
        rest=$(measure -t"$threads" -c"$connections" -d"${seconds}s" -s "$work/sign.lua" "$url/api/ca/v1/cas/$ca/sign")
        echo "  $rest"
        cfssl_db=$(measure -t"$threads" -c"$connections" -d"${seconds}s" -s "$work/cfssl/sign-db.lua" "http://127.0.0.1:8889/api/v1/cfssl/sign")
        echo "  $cfssl_db"
        cfssl_plain=$(measure -t"$threads" -c"$connections" -d"${seconds}s" -s "$work/cfssl/sign-plain.lua" "http://127.0.0.1:8888/api/v1/cfssl/sign")
        echo "  $cfssl_plain"
        if ((connections == 16)); then
            get=$(measure -t2 -c16 -d"${seconds}s" -s "$work/get.lua" "$url/api/ca/v1/profiles/iot-device")
            echo "  $get"
            results=("$rest" "$cfssl_db" "$cfssl_plain" "$get")
            est_line=$(bench_est --connections 16 --rest-ca "$ca" --token "$token")
            sed 's/^/  /' <<<"$est_line"
        else
            bench_est --connections 1 | sed 's/^/  /'
        fi
    done
    local inprocess
    inprocess=$("$signet" bench issue --ca "$ca" --profile iot-device --concurrency 16 --count 4000 | grep 'gate issuances')
    printf '  in process: %s\n' "$inprocess"
    printf '  '
    bench_peer_insert
    local stored
    stored=$(psql -X -tA "$bench_peer_db" -c "SELECT count(*) FROM certificates")
    printf '  cfssl certificates stored in its database: %s\n' "$stored"

    local rest_rate cfssl_db_rate cfssl_rate rest_cpu get_cpu
    rest_rate=$(bench_rate "${results[0]}")
    cfssl_db_rate=$(bench_rate "${results[1]}")
    cfssl_rate=$(bench_rate "${results[2]}")
    rest_cpu=$(bench_cpu "${results[0]}")
    get_cpu=$(bench_cpu "${results[3]}")
    local est_rate same_client_rest inprocess_rate
    est_rate=$(bench_rate "$(grep 'EST simpleenroll' <<<"$est_line")")
    same_client_rest=$(bench_rate "$(grep 'same client' <<<"$est_line")")
    inprocess_rate=$(sed -nE 's/.*: ([0-9.]+)  \[.*/\1/p' <<<"$inprocess")
    local est_cpu transport_cpu
    est_cpu=$(bench_cpu "$(grep 'EST simpleenroll' <<<"$est_line")")
    transport_cpu=$(bench_cpu "$(grep 'EST cacerts' <<<"$est_line")")
    python3 - "$rest_rate" "$cfssl_db_rate" "$cfssl_rate" "$rest_cpu" "$token_rate" "$verify_rate" "$get_cpu" "$bench_insert_us" \
        "${est_rate:-0}" "${same_client_rest:-0}" "${inprocess_rate:-0}" "${est_cpu:-0}" "${transport_cpu:-0}" <<'PY'
import sys
rest, cfssl_db, cfssl, rest_cpu, token, verify, get_cpu, insert, est, rest_same_client, inprocess, est_cpu, transport_cpu = map(float, sys.argv[1:])
parts = {"token signature": 1e6 / token, "two P-256 verifications": 2e6 / verify, "authenticated HTTPS GET": get_cpu, "group-committed insert": insert}
total = sum(parts.values())
print("irreducible parts of one certificate (µs of machine CPU):")
for name, value in parts.items():
    print(f"  {name:<26} {value:7.0f}")
print(f"  {'sum':<26} {total:7.0f}")
print("targets at 16 connections (ratio, target):")
print(f"  1. REST / cfssl+PostgreSQL      {rest / cfssl_db:5.2f}  (>= 3)")
print(f"  2. REST / cfssl, no database    {rest / cfssl:5.2f}  (>= 0.6)")
print(f"  3. REST CPU / irreducible sum   {rest_cpu / total:5.2f}  (<= 2; {rest_cpu:.0f} µs vs {total:.0f} µs)")
if rest_same_client > 0:
    print(f"  5. EST / REST (same client)     {est / rest_same_client:5.2f}  (>= 0.8; each EST device opens its own mTLS connection)")
if transport_cpu > 0 and est_cpu > 0:
    # An enrollment pays its connection plus what a REST issuance pays beyond its request.
    bound = rest_cpu / (transport_cpu + rest_cpu - get_cpu)
    print(f"     EST CPU {est_cpu:.0f} µs per enrollment; its new mTLS connection alone (cacerts) {transport_cpu:.0f} µs;")
    print(f"     with nothing else added to REST's issuance, EST / REST could reach {bound:.2f}")
if rest > 0:
    print(f"  5. in process / REST            {inprocess / rest:5.2f}  (>= 1.5)")
PY
}
