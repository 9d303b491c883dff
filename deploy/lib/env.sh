# shellcheck shell=bash
# Public functions are subshells on purpose (see below), so the globals they set are
# meant to stay inside them:
# shellcheck disable=SC2030,SC2031
#
# Functions that prepare a local Signet development or test environment in a state
# folder: a SoftHSM2 token, a private PostgreSQL cluster and an env file that points
# Signet at both. deploy/setup and deploy/stop use them; tests may source this file
# and call signet_reset_database for a clean slate.
#
# Layout of a state folder DIR (nothing in it belongs in git):
#   DIR/softhsm2.conf        SoftHSM2 config made from tokens/softhsm2.conf.template
#   DIR/tokens/              the token files (0700)
#   DIR/secrets/             user.pin, so.pin, db.password, audit.key (0700, files 0600)
#   DIR/pg.path              the cluster's data directory (DIR/pg, or a fallback)
#   DIR/pg.port              the port the cluster listens on
#   DIR/log/                 setup.log and postgres.log
#   DIR/env                  sourceable exports for Signet (0600: holds the db password)
#
# Every public function runs in a subshell with `set -euo pipefail`, so sourcing this
# file into an interactive shell does not change that shell's options, and a failure
# ends only the function, which returns non-zero. Call them as plain commands, not as
# `if` conditions or with `||`: bash ignores `set -e` in those contexts.
#
# No secret is ever printed or logged: PINs and the password go from their files to
# the program that needs them through builtins and pipes, with xtrace turned off. The
# one exception is softhsm2-util, which takes PINs only as arguments (see
# _signet_init_token).

SIGNET_DEFAULT_PG_PORT=55432
SIGNET_DEFAULT_TOKEN_LABEL=signet

_SIGNET_REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
_SIGNET_TEMPLATE="$_SIGNET_REPO_ROOT/tokens/softhsm2.conf.template"

# Debian packages the environment needs, apart from PostgreSQL (handled separately
# because the versioned package may not be installable everywhere).
_SIGNET_PACKAGES=(softhsm2 libsofthsm2 opensc p11-kit libp11-kit-dev libssl-dev openssl curl ca-certificates python3-venv)

# ---------------------------------------------------------------------------
# Output and logging
# ---------------------------------------------------------------------------

# One line per step on the terminal; the details go to the log file.
_signet_say() {
    printf 'signet: %s\n' "$*"
}

_signet_die() {
    printf 'signet: error: %s\n' "$*" >&2
    exit 1
}

# Appends a note to the log so its commands' output can be told apart.
_signet_note() {
    printf '\n[%s] %s\n' "$(date '+%F %T')" "$*" >>"$_SIGNET_LOG"
}

# The program a wrapped command runs, for log lines: skips our own wrappers, `env`,
# `sudo` and VAR=value words (the psql wrapper stands for psql).
_signet_program_name() {
    local word
    for word in "$@"; do
        if [[ $word == _signet_psql_admin ]]; then
            printf psql
            return
        fi
        [[ $word == _signet_* || $word == env || $word == sudo || $word =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] && continue
        printf '%s' "${word##*/}"
        return
    done
}

# Runs a command with its output in the log. Only the program's name is logged, never
# its arguments, since some of them (the token PINs) are secret; so showing the end of
# the log on failure is safe too.
_signet_logged() {
    local name
    name=$(_signet_program_name "$@")
    printf '$ %s ...\n' "$name" >>"$_SIGNET_LOG"
    if ! "$@" >>"$_SIGNET_LOG" 2>&1; then
        printf 'signet: error: %s failed; last lines of %s:\n' "$name" "$_SIGNET_LOG" >&2
        tail -n 20 "$_SIGNET_LOG" | sed 's/^/    /' >&2
        exit 1
    fi
}

# ---------------------------------------------------------------------------
# The state folder
# ---------------------------------------------------------------------------

# Sets _S_DIR to the absolute path of the state folder and _SIGNET_LOG to its setup
# log. With "create" the folder is made if missing; otherwise it must exist.
_signet_open_state() {
    local dir=${1:-} mode=$2
    [[ -n $dir ]] || _signet_die "no state folder given"
    if [[ ! -d $dir ]]; then
        [[ $mode == create ]] || _signet_die "$dir is not a state folder (run deploy/setup first)"
        # Parents keep the usual modes. The folder itself is 0711: the postgres system
        # user must be able to pass through it to reach DIR/pg when we run as root, but
        # nobody else may list it. The secrets have their own 0700 folder below.
        mkdir -p -- "$(dirname -- "$dir")"
        mkdir -m 0711 -- "$dir"
    fi
    _S_DIR=$(cd -- "$dir" && pwd -P)
    install -d -m 0700 -- "$_S_DIR/log"
    _SIGNET_LOG="$_S_DIR/log/setup.log"
}

# Creates a random secret file once; later runs keep it. The umask makes the file
# 0600 from the start, so there is no moment where it is readable by others.
_signet_ensure_secret() {
    local file=$1 bytes=$2
    [[ -s $file ]] && return 0
    (umask 077 && openssl rand -hex "$bytes" >"$file.tmp" && mv -f -- "$file.tmp" "$file")
    chmod 0600 -- "$file"
}

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

_signet_pkg_installed() {
    local status
    status=$(dpkg -s "$1" 2>/dev/null) || return 1
    [[ $status == *"Status: install ok installed"* ]]
}

# Sets _SIGNET_AS_ROOT to the prefix that runs a command as root: nothing when we are
# root, sudo otherwise. Checked before anything is logged, so the message reaches the
# terminal.
_signet_find_root_access() {
    if ((EUID == 0)); then
        _SIGNET_AS_ROOT=()
    elif command -v sudo >/dev/null 2>&1; then
        _SIGNET_AS_ROOT=(sudo)
    else
        _signet_die "installing packages needs root, and sudo is not available; run as root or install: ${_SIGNET_MISSING[*]}"
    fi
}

# Prefers postgresql-15 (the version the scripts are tested with) and falls back to
# the distribution's default version where 15 has no install candidate.
_signet_pg_package() {
    local candidate
    candidate=$(apt-cache policy postgresql-15 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
    if [[ -n $candidate && $candidate != "(none)" ]]; then
        echo postgresql-15
    else
        echo postgresql
    fi
}

# signet_install_venv DIR NAME REQUIREMENT COMMAND: REQUIREMENT (from PyPI, pinned) in a
# virtualenv DIR/tools/NAME, made again unless its COMMAND is there. Prints the directory
# holding its commands.
signet_install_venv() (
    set -euo pipefail
    local venv=$1/tools/$2
    if [[ ! -x $venv/bin/$4 ]]; then
        rm -rf -- "$venv"
        python3 -m venv "$venv" >&2
        "$venv/bin/pip" install --quiet --disable-pip-version-check "$3" >&2
    fi
    echo "$venv/bin"
)

# signet_install_pkilint DIR: pkilint, for the tests that lint what Signet publishes.
signet_install_pkilint() { signet_install_venv "$1" pkilint "pkilint==0.13.3" lint_crl; }

# signet_install_python_package DIR NAME SPEC MODULE: a venv with one package that has no
# command of its own to look for, so a venv whose install failed is told by MODULE failing
# to import, and made again. Prints the directory holding its python.
signet_install_python_package() {
    local bin
    bin=$(signet_install_venv "$1" "$2" "$3" python3)
    if ! "$bin/python3" -c "import $4" 2>/dev/null; then
        rm -rf -- "$1/tools/$2"
        bin=$(signet_install_venv "$1" "$2" "$3" python3)
    fi
    echo "$bin"
}

# signet_install_prometheus_client DIR: the Python Prometheus client, whose text-format
# parser the metrics test reads /metrics with.
signet_install_prometheus_client() { signet_install_python_package "$1" prometheus-client "prometheus-client==0.21.1" prometheus_client; }

# signet_install_selenium DIR: Selenium, which drives Chromium through the console in the
# browser tests (with Debian's chromium-driver: nothing is downloaded at run time).
signet_install_selenium() { signet_install_python_package "$1" selenium "selenium==4.27.1" selenium; }

# signet_install_schemathesis DIR: schemathesis, for the test that fuzzes the served
# OpenAPI document against a running server.
signet_install_schemathesis() { signet_install_venv "$1" schemathesis "schemathesis==4.32.5" schemathesis; }

# signet_install_packages [DIR]: installs the Debian packages that are missing (Signet's,
# and those named in SIGNET_EXTRA_PACKAGES, space-separated). Does
# nothing (and needs no root) when everything is there already. DIR, or
# $SIGNET_STATE_DIR, is where the log goes.
signet_install_packages() (
    set -euo pipefail
    local dir=${1:-${SIGNET_STATE_DIR:-}} pkg
    if [[ -n $dir ]]; then
        _signet_open_state "$dir" create
    else
        _SIGNET_LOG=$(mktemp /tmp/signet-install.XXXXXX.log)
    fi

    _SIGNET_MISSING=()
    # shellcheck disable=SC2206 # a space-separated list
    local extra=(${SIGNET_EXTRA_PACKAGES:-})
    for pkg in "${_SIGNET_PACKAGES[@]}" "${extra[@]}"; do
        _signet_pkg_installed "$pkg" || _SIGNET_MISSING+=("$pkg")
    done
    local need_pg=false
    if ! _signet_pkg_installed postgresql-15 && ! _signet_pkg_installed postgresql; then
        need_pg=true
    fi
    if [[ ${#_SIGNET_MISSING[@]} -eq 0 && $need_pg == false ]]; then
        _signet_say "packages: all present"
        return 0
    fi

    _signet_find_root_access
    _signet_say "packages: updating the package lists"
    _signet_note "apt-get update"
    _signet_logged "${_SIGNET_AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
    # Which PostgreSQL package to take is only known after the update.
    if [[ $need_pg == true ]]; then
        _SIGNET_MISSING+=("$(_signet_pg_package)")
    fi
    _signet_say "packages: installing ${_SIGNET_MISSING[*]}"
    _signet_note "apt-get install ${_SIGNET_MISSING[*]}"
    _signet_logged "${_SIGNET_AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${_SIGNET_MISSING[@]}"
)

# ---------------------------------------------------------------------------
# The SoftHSM2 token
# ---------------------------------------------------------------------------

_signet_token_label() {
    local label=${SIGNET_TOKEN_LABEL:-$SIGNET_DEFAULT_TOKEN_LABEL}
    # PKCS#11 labels are 32 bytes, space padded; SoftHSM cuts longer ones, after which
    # the label we look for would never match.
    ((${#label} <= 32)) || _signet_die "SIGNET_TOKEN_LABEL is longer than 32 bytes"
    printf '%s' "$label"
}

# Writes DIR/softhsm2.conf from the template every time, so a changed template or a
# moved state folder is picked up.
_signet_write_softhsm_conf() {
    [[ -r $_SIGNET_TEMPLATE ]] || _signet_die "missing $_SIGNET_TEMPLATE"
    local text
    text=$(<"$_SIGNET_TEMPLATE")
    # Bash replacement rather than sed, so any character in the path is safe.
    text=${text//@TOKEN_DIR@/$_S_DIR/tokens}
    printf '# Generated from tokens/softhsm2.conf.template by deploy/lib/env.sh.\n%s\n' \
        "$text" >"$_S_DIR/softhsm2.conf"
}

# Succeeds when a token with this exact label is in the state folder.
_signet_token_exists() {
    local slots
    slots=$(SOFTHSM2_CONF="$_S_DIR/softhsm2.conf" softhsm2-util --show-slots 2>>"$_SIGNET_LOG") ||
        _signet_die "softhsm2-util --show-slots failed; see $_SIGNET_LOG"
    # Label lines are padded with spaces; the label comes in through the environment
    # because awk -v would interpret backslashes in it.
    WANT="$1" awk '
        /^[[:space:]]*Label:/ {
            sub(/^[[:space:]]*Label:[[:space:]]*/, "")
            sub(/[[:space:]]+$/, "")
            if ($0 == ENVIRON["WANT"]) found = 1
        }
        END { exit !found }' <<<"$slots"
}

# Initialises the token. Runs in a subshell with xtrace off because the PINs are in
# variables here.
_signet_init_token() (
    { set +x; } 2>/dev/null
    local label=$1 so_pin user_pin
    so_pin=$(<"$_S_DIR/secrets/so.pin")
    user_pin=$(<"$_S_DIR/secrets/user.pin")
    # softhsm2-util takes the PINs only as arguments, so for the moment it runs they are
    # visible in the process list to local users. That is acceptable for a one-off
    # initialisation of a development token; Signet itself reads the PIN from a file or
    # the environment and never from its command line.
    _signet_logged env SOFTHSM2_CONF="$_S_DIR/softhsm2.conf" \
        softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$user_pin"
)

_signet_prepare_token() {
    local label
    label=$(_signet_token_label)
    install -d -m 0700 -- "$_S_DIR/tokens"
    _signet_write_softhsm_conf
    if _signet_token_exists "$label"; then
        [[ -s $_S_DIR/secrets/user.pin && -s $_S_DIR/secrets/so.pin ]] ||
            _signet_die "token '$label' exists but its PIN files are gone; remove $_S_DIR/tokens to start over"
        _signet_say "token: reusing '$label'"
        return 0
    fi
    _signet_ensure_secret "$_S_DIR/secrets/so.pin" 16
    _signet_ensure_secret "$_S_DIR/secrets/user.pin" 16
    _signet_note "initialising token '$label'"
    _signet_init_token "$label"
    _signet_say "token: created '$label' (PINs in $_S_DIR/secrets)"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

# The server binaries: Debian's versioned directory first, since /usr/bin only has
# wrappers that do not include initdb.
_signet_pg_bindir() {
    local dir
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir)
        [[ -x $dir/initdb ]] && { echo "$dir"; return; }
    fi
    for dir in $(printf "%s\n" /usr/lib/postgresql/*/bin | sort -V -r); do
        [[ -x $dir/initdb ]] && { echo "$dir"; return; }
    done
    dir=$(command -v initdb 2>/dev/null) || _signet_die "no PostgreSQL server binaries found (install postgresql-15)"
    dirname -- "$dir"
}

# initdb and the server refuse to run as root, so as root they run as the postgres
# system user. From / because the caller's directory may be closed to that user.
_signet_pg_as_owner() {
    if ((EUID == 0)); then
        (cd / && exec runuser -u postgres -- "$@")
    else
        (cd / && exec "$@")
    fi
}

# The database superuser initdb creates is named after the user that ran it.
_signet_pg_superuser() {
    if ((EUID == 0)); then echo postgres; else id -un; fi
}

# Chooses where the data directory goes the first time: DIR/pg when its owner can
# reach it, or a directory under /var/lib/signet-pg named after DIR when the postgres
# user cannot traverse to DIR (e.g. DIR sits under a 0700 home directory). The same
# fallback covers paths too long for a unix socket (107 bytes on Linux).
_signet_pg_choose_datadir() {
    local data="$_S_DIR/pg"
    local longest_socket="$data-socket/.s.PGSQL.65535"
    if ((EUID != 0)); then
        ((${#longest_socket} <= 107)) ||
            _signet_die "$_S_DIR is too deep for a PostgreSQL unix socket; use a shorter state folder path"
        echo "$data"
        return
    fi
    id -u postgres >/dev/null 2>&1 || _signet_die "no postgres system user (install postgresql-15)"
    if ((${#longest_socket} <= 107)) && (cd / && runuser -u postgres -- test -x "$_S_DIR"); then
        echo "$data"
        return
    fi
    local hash
    hash=$(printf '%s' "$_S_DIR" | sha256sum | cut -c1-16)
    echo "/var/lib/signet-pg/$hash"
}

# Sets _PG_DATA, _PG_SOCKET, _PG_PORT and _PG_BIN from what the state folder recorded.
_signet_pg_load() {
    [[ -s $_S_DIR/pg.path ]] || _signet_die "$_S_DIR has no database yet (run deploy/setup first)"
    _PG_DATA=$(<"$_S_DIR/pg.path")
    _PG_SOCKET="$_PG_DATA-socket"
    _PG_PORT=$(<"$_S_DIR/pg.port")
    _PG_BIN=$(_signet_pg_bindir)
}

# Picks the port: SIGNET_PG_PORT when set, else the one recorded earlier, else the
# default. A second state folder (e.g. .state/test) needs its own port if both
# clusters are to run at once.
_signet_pg_choose_port() {
    local port=${SIGNET_PG_PORT:-}
    if [[ -z $port && -s $_S_DIR/pg.port ]]; then
        port=$(<"$_S_DIR/pg.port")
    fi
    port=${port:-$SIGNET_DEFAULT_PG_PORT}
    if [[ ! $port =~ ^[0-9]+$ ]] || ((port < 1024 || port > 65535)); then
        _signet_die "PostgreSQL port '$port' is not a number between 1024 and 65535"
    fi
    echo "$port"
}

# Makes a directory owned by whoever runs the server, 0700 as PostgreSQL insists.
_signet_pg_make_dir() {
    if ((EUID == 0)); then
        install -d -m 0700 -o postgres -g postgres -- "$1"
    else
        install -d -m 0700 -- "$1"
    fi
}

# Quotes a value for postgresql.conf.
_signet_pg_conf_quote() {
    printf "'%s'" "${1//\'/\'\'}"
}

# shared_buffers for this machine: an eighth of its memory, at least PostgreSQL's
# default 128MB and at most 2GB. Issuance writes into many indexes of two growing tables;
# when those indexes do not fit, every certificate costs reads and dirty-page writes.
_signet_pg_shared_buffers() {
    local kib
    kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
    local mib=$(( kib / 1024 / 8 ))
    (( mib < 128 )) && mib=128
    (( mib > 2048 )) && mib=2048
    echo "${mib}MB"
}

# Our settings live in their own file, included from postgresql.conf, and are
# rewritten on every setup so a new port takes effect.
#
# Fewer checkpoints and compressed WAL: after each checkpoint the first change to every
# page writes the whole page into the WAL, which at issuance rates was most of the WAL.
_signet_pg_write_conf() {
    local compression=on
    if "$_PG_BIN/pg_config" --configure 2>/dev/null | grep -q -- "--with-lz4"; then compression=lz4; fi
    {
        echo "# Written by deploy/lib/env.sh on every setup; edits here are overwritten."
        echo "listen_addresses = '127.0.0.1'"
        echo "port = $_PG_PORT"
        echo "unix_socket_directories = $(_signet_pg_conf_quote "$_PG_SOCKET")"
        echo "password_encryption = 'scram-sha-256'"
        echo "shared_buffers = '$(_signet_pg_shared_buffers)'"
        echo "max_wal_size = '4GB'"
        echo "checkpoint_timeout = '15min'"
        echo "wal_compression = '$compression'"
    } | _signet_pg_as_owner tee "$_PG_DATA/signet.conf" >/dev/null
    local include="include_if_exists = 'signet.conf'"
    if ! _signet_pg_as_owner grep -Fqx -- "$include" "$_PG_DATA/postgresql.conf"; then
        printf '\n%s\n' "$include" | _signet_pg_as_owner tee -a "$_PG_DATA/postgresql.conf" >/dev/null
    fi
}

# Creates the cluster once. Local (socket) connections use peer authentication, which
# only lets the cluster's owner in as the superuser; TCP connections need a
# scram-sha-256 password.
_signet_pg_prepare_cluster() {
    if [[ ! -s $_S_DIR/pg.path ]]; then
        _signet_pg_choose_datadir >"$_S_DIR/pg.path"
    fi
    _signet_pg_choose_port >"$_S_DIR/pg.port.tmp"
    mv -f -- "$_S_DIR/pg.port.tmp" "$_S_DIR/pg.port"
    _signet_pg_load

    if [[ $_PG_DATA == /var/lib/signet-pg/* ]]; then
        install -d -m 0755 /var/lib/signet-pg
    fi
    _signet_pg_make_dir "$_PG_SOCKET"
    if _signet_pg_as_owner test -s "$_PG_DATA/PG_VERSION"; then
        _signet_say "database: reusing cluster in $_PG_DATA"
    else
        _signet_pg_make_dir "$_PG_DATA"
        _signet_note "initdb $_PG_DATA"
        _signet_logged _signet_pg_as_owner "$_PG_BIN/initdb" -D "$_PG_DATA" \
            --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --no-locale
        _signet_say "database: created cluster in $_PG_DATA"
    fi
    _signet_pg_write_conf
}

_signet_pg_running() {
    _signet_pg_as_owner "$_PG_BIN/pg_ctl" status -D "$_PG_DATA" >/dev/null 2>&1
}

# The port a running server listens on: the fourth line of postmaster.pid.
_signet_pg_running_port() {
    _signet_pg_as_owner sed -n 4p "$_PG_DATA/postmaster.pid" 2>/dev/null || true
}

# Succeeds when something accepts connections on the port. Used before starting, so
# a clash with another cluster gives a clear message instead of a server log entry.
_signet_port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# psql as the cluster's superuser over the unix socket. The user and database are
# explicit so PGUSER or PGDATABASE from a sourced env cannot redirect it.
_signet_psql_admin() {
    _signet_pg_as_owner "$_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$_PG_SOCKET" -p "$_PG_PORT" -U "$(_signet_pg_superuser)" -d postgres "$@"
}

_signet_pg_query() {
    _signet_psql_admin -tA -c "$1" 2>>"$_SIGNET_LOG"
}

# Sets the signet role's password from the secrets file. The SQL goes through a pipe
# (printf is a builtin, so the password is in no process's arguments), the session
# turns off logging of the statement even if it fails, and psql's own output is
# dropped because an error message could quote the statement.
_signet_pg_set_password() (
    { set +x; } 2>/dev/null
    local password
    password=$(<"$_S_DIR/secrets/db.password")
    printf "SET log_statement = 'none';\nSET log_min_error_statement = 'panic';\nALTER ROLE signet PASSWORD '%s';\n" \
        "$password" | _signet_psql_admin >/dev/null 2>&1 ||
        _signet_die "setting the signet role's password failed (output hidden, it would show the password)"
)

# Makes the signet role and database. The password is set on every run so the
# secrets file stays the single source of truth.
_signet_pg_provision() {
    _signet_ensure_secret "$_S_DIR/secrets/db.password" 24
    _signet_note "provisioning role and database"
    local role_exists db_exists
    role_exists=$(_signet_pg_query "SELECT 1 FROM pg_roles WHERE rolname = 'signet'")
    if [[ -z $role_exists ]]; then
        _signet_logged _signet_psql_admin -c "CREATE ROLE signet LOGIN"
    fi
    _signet_pg_set_password
    db_exists=$(_signet_pg_query "SELECT 1 FROM pg_database WHERE datname = 'signet'")
    if [[ -z $db_exists ]]; then
        _signet_logged _signet_psql_admin -c "CREATE DATABASE signet OWNER signet"
        _signet_say "database: created role and database 'signet'"
    else
        _signet_say "database: reusing role and database 'signet'"
    fi
}

# signet_prepare_state DIR: creates the state folder, its token and its PostgreSQL
# cluster (started, with the signet role and database). Reuses whatever exists.
signet_prepare_state() (
    set -euo pipefail
    _signet_open_state "${1:-}" create
    install -d -m 0700 -- "$_S_DIR/secrets"
    _signet_prepare_token
    _signet_pg_prepare_cluster
    signet_start_db "$_S_DIR"
    _signet_pg_load
    _signet_pg_provision
)

# signet_start_db DIR: starts the state folder's cluster unless it is running on the
# recorded port already. The server's output goes to DIR/log/postgres.log; the file is
# opened here and handed down, so it works even where the postgres user cannot reach
# the state folder.
signet_start_db() (
    set -euo pipefail
    _signet_open_state "${1:-}" existing
    _signet_pg_load
    if _signet_pg_running; then
        local running
        running=$(_signet_pg_running_port)
        if [[ $running == "$_PG_PORT" ]]; then
            _signet_say "database: running on 127.0.0.1:$_PG_PORT"
            return 0
        fi
        _signet_say "database: restarting to move from port $running to $_PG_PORT"
        _signet_logged _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$_PG_DATA" -m fast -w
    fi
    if _signet_port_in_use "$_PG_PORT"; then
        _signet_die "port $_PG_PORT is in use (another state folder's cluster?); set SIGNET_PG_PORT to another port and run deploy/setup again"
    fi
    local server_log="$_S_DIR/log/postgres.log"
    _signet_note "pg_ctl start (server log: $server_log)"
    if ! _signet_pg_as_owner "$_PG_BIN/pg_ctl" start -D "$_PG_DATA" -w -t 60 \
        >>"$server_log" 2>&1 </dev/null; then
        printf 'signet: error: PostgreSQL did not start; last lines of %s:\n' "$server_log" >&2
        tail -n 20 "$server_log" | sed 's/^/    /' >&2
        exit 1
    fi
    _signet_say "database: started on 127.0.0.1:$_PG_PORT"
)

# signet_stop_db DIR: stops the cluster (fast mode: open sessions are cut) if running.
signet_stop_db() (
    set -euo pipefail
    _signet_open_state "${1:-}" existing
    if [[ ! -s $_S_DIR/pg.path ]]; then
        _signet_say "database: $_S_DIR has none"
        return 0
    fi
    _signet_pg_load
    if ! _signet_pg_running; then
        _signet_say "database: not running"
        return 0
    fi
    _signet_note "pg_ctl stop"
    _signet_logged _signet_pg_as_owner "$_PG_BIN/pg_ctl" stop -D "$_PG_DATA" -m fast -w
    _signet_say "database: stopped"
)

# signet_reset_database DIR: drops and recreates the signet database, for tests that
# want a clean slate. Starts the cluster first if needed.
signet_reset_database() (
    set -euo pipefail
    _signet_open_state "${1:-}" existing
    _signet_pg_load
    if ! _signet_pg_running; then
        signet_start_db "$_S_DIR"
    fi
    _signet_note "reset database signet"
    # Two statements read from stdin run in separate transactions, which DROP DATABASE
    # needs. FORCE ends sessions a previous test left open.
    printf 'DROP DATABASE IF EXISTS signet WITH (FORCE);\nCREATE DATABASE signet OWNER signet;\n' |
        _signet_logged _signet_psql_admin
    _signet_say "database: signet recreated"
)

# signet_reset_extra_database DIR NAME: drops and recreates database NAME owned by the
# signet role, for tests that need a database of their own (e.g. to tamper with it).
signet_reset_extra_database() (
    set -euo pipefail
    _signet_open_state "${1:-}" existing
    local name=${2:-}
    [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || _signet_die "invalid database name '$name'"
    _signet_pg_load
    _signet_note "reset database $name"
    printf 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s OWNER signet;\n' "$name" "$name" |
        _signet_logged _signet_psql_admin
)

# ---------------------------------------------------------------------------
# The env file
# ---------------------------------------------------------------------------

# The SoftHSM2 PKCS#11 module: the usual Debian paths, then whatever the package lists.
_signet_find_softhsm_module() {
    local path
    for path in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so \
        /usr/lib/*/softhsm/libsofthsm2.so; do
        [[ -f $path ]] && { echo "$path"; return 0; }
    done
    path=$(dpkg -L libsofthsm2 2>/dev/null | awk '/\/libsofthsm2\.so$/ && !seen { print; seen = 1 }')
    [[ -n $path && -f $path ]] || _signet_die "libsofthsm2.so not found (install libsofthsm2)"
    echo "$path"
}

# p11-kit's client module, for tokens served over a socket by `p11-kit server`. Empty
# when it is not installed: only deployments that use a remote token need it.
_signet_find_p11kit_client() {
    local path pkg
    for path in /usr/lib/*/pkcs11/p11-kit-client.so /usr/lib/pkcs11/p11-kit-client.so; do
        [[ -f $path ]] && { echo "$path"; return 0; }
    done
    for pkg in p11-kit-modules p11-kit; do
        path=$(dpkg -L "$pkg" 2>/dev/null | awk '/\/p11-kit-client\.so$/ && !seen { print; seen = 1 }')
        [[ -n $path && -f $path ]] && { echo "$path"; return 0; }
    done
    echo ""
}

# Single quotes for a sh-sourceable value, so paths with spaces or quotes survive.
_signet_sh_quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

_signet_export_line() {
    printf 'export %s=%s\n' "$1" "$(_signet_sh_quote "$2")"
}

# signet_write_env DIR: writes DIR/env, the variables Signet and its tests read. The
# file holds the database password, so it is created 0600 (mktemp's mode) and then
# moved into place. xtrace is off because the password is in a variable here.
signet_write_env() (
    set -euo pipefail
    { set +x; } 2>/dev/null
    _signet_open_state "${1:-}" existing
    _signet_pg_load
    local module client label password tmp
    module=$(_signet_find_softhsm_module)
    client=$(_signet_find_p11kit_client)
    label=$(_signet_token_label)
    [[ -s $_S_DIR/secrets/db.password ]] || _signet_die "no database password yet (run deploy/setup first)"
    # The key that authenticates audit rows; it never goes into the database.
    _signet_ensure_secret "$_S_DIR/secrets/audit.key" 32
    password=$(<"$_S_DIR/secrets/db.password")
    tmp=$(mktemp "$_S_DIR/env.XXXXXX")
    {
        echo "# Signet environment for the state folder $_S_DIR."
        echo "# Written by deploy/setup; load it with: . $(_signet_sh_quote "$_S_DIR/env")"
        _signet_export_line SIGNET_STATE_DIR "$_S_DIR"
        _signet_export_line SOFTHSM2_CONF "$_S_DIR/softhsm2.conf"
        _signet_export_line SIGNET_PKCS11_MODULE "$module"
        _signet_export_line SIGNET_TOKEN_LABEL "$label"
        _signet_export_line SIGNET_PIN_FILE "$_S_DIR/secrets/user.pin"
        _signet_export_line SIGNET_SO_PIN_FILE "$_S_DIR/secrets/so.pin"
        _signet_export_line SIGNET_AUDIT_KEY_FILE "$_S_DIR/secrets/audit.key"
        _signet_export_line SIGNET_DATABASE_URL "postgres://signet:$password@127.0.0.1:$_PG_PORT/signet"
        _signet_export_line SIGNET_P11KIT_CLIENT_MODULE "$client"
    } >"$tmp"
    chmod 0600 -- "$tmp"
    mv -f -- "$tmp" "$_S_DIR/env"
    _signet_say "env: wrote $_S_DIR/env"
)
