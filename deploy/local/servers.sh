#!/usr/bin/env bash
# Private mail servers on loopback for the demo, the tests, the benchmarks and CI.
#
#   deploy/local/servers.sh start|stop|restart|status|env
#
# - Dovecot (IMAP): plain + STARTTLS on 127.0.0.1:${VIGIE_IMAP_PORT:-10143}, implicit TLS on ${VIGIE_IMAPS_PORT:-10993}.
#   Any user name logs in with the password "secret"; each user gets its own maildir under $VIGIE_LOCAL_DIR/mail/.
#   The certificate is self-signed (CN 127.0.0.1, SAN 127.0.0.1 + localhost): $VIGIE_LOCAL_DIR/tls/cert.pem.
# - Postfix's smtp-sink (SMTP): 127.0.0.1:${VIGIE_SMTP_PORT:-10025}; accepts everything and, when
#   VIGIE_SINK_DUMP=1 at start, writes each received transaction to a file under $VIGIE_LOCAL_DIR/sink/.
#
# See README.md here. Everything (config, state, logs, mail, pids) lives under $VIGIE_LOCAL_DIR (default: <repo>/var/local,
# or a folder under /tmp when root runs from a folder nobody cannot enter: see local-dir.sh); the
# system's own postfix/dovecot services are never started. Works as root (CI) and as an ordinary user.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"

# shellcheck source=deploy/local/local-dir.sh
source "$script_dir/local-dir.sh"
LOCAL_DIR="$(vigie_local_dir "$repo_root")"
IMAP_PORT="${VIGIE_IMAP_PORT:-10143}"
IMAPS_PORT="${VIGIE_IMAPS_PORT:-10993}"
SMTP_PORT="${VIGIE_SMTP_PORT:-10025}"
SINK_DUMP="${VIGIE_SINK_DUMP:-0}"
START_TIMEOUT="${VIGIE_START_TIMEOUT:-20}"

DOVECOT_CONF="$LOCAL_DIR/dovecot/dovecot.conf"
DOVECOT_LOG="$LOCAL_DIR/log/dovecot.log"
DOVECOT_PIDFILE="$LOCAL_DIR/dovecot/run/master.pid"
SINK_LOG="$LOCAL_DIR/log/smtp-sink.log"
SINK_PIDFILE="$LOCAL_DIR/smtp-sink.pid"
SINK_DIR="$LOCAL_DIR/sink"
TLS_CERT="$LOCAL_DIR/tls/cert.pem"
TLS_KEY="$LOCAL_DIR/tls/key.pem"

die() { echo "servers.sh: $*" >&2; exit 1; }
log() { echo "servers.sh: $*" >&2; }

# --- packages ---------------------------------------------------------------------------------------------------

ensure_packages() {
    # chromium and python3-websocket: the console's browser test drives headless Chromium over DevTools.
    local wanted=(dovecot-imapd postfix libetpan-dev libcurl4-gnutls-dev openssl python3-prometheus-client
        python3-websocket chromium)
    local missing=() p
    for p in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0
    log "installing missing packages: ${missing[*]}"
    local sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo)
    # policy-rc.d exit 101 keeps the packages' own services from starting; we run private instances instead.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod +x "$policy"
        created_policy=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    [[ $created_policy -eq 1 ]] && "${sudo[@]}" rm -f "$policy"
    return 0
}

# --- helpers ----------------------------------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { # a zombie waiting for its reaper counts as gone
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    local state
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
    [[ $state != Z ]]
}

read_pid() { [[ -s $1 ]] && tr -dc '0-9' <"$1" || true; }

wait_ports_open() { # name logfile ports...
    local name=$1 logfile=$2; shift 2
    local deadline=$((SECONDS + START_TIMEOUT)) p
    for p in "$@"; do
        until port_open "$p"; do
            if ((SECONDS >= deadline)); then
                echo "servers.sh: $name did not accept connections on 127.0.0.1:$p within ${START_TIMEOUT}s;" \
                    "see $logfile" >&2
                [[ -f $logfile ]] && tail -n 20 "$logfile" >&2
                return 1
            fi
            sleep 0.1
        done
    done
}

imap_greets() { # port: true once a login process answers with the IMAP greeting
    local line
    (
        exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 2 line <&3 || exit 1
        printf 'x LOGOUT\r\n' >&3 || true
        [[ $line == "* OK"* ]]
    ) 2>/dev/null
}

wait_ports_closed() { # name ports...
    local name=$1; shift
    local deadline=$((SECONDS + START_TIMEOUT)) p
    for p in "$@"; do
        while port_open "$p"; do
            ((SECONDS >= deadline)) && die "$name still holds 127.0.0.1:$p after ${START_TIMEOUT}s"
            sleep 0.1
        done
    done
}

wait_pid_gone() {
    local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
    while pid_alive "$pid"; do
        ((SECONDS >= deadline)) && return 1
        sleep 0.1
    done
}

# --- dovecot ----------------------------------------------------------------------------------------------------

make_certificate() {
    [[ -s $TLS_CERT && -s $TLS_KEY ]] && return 0
    mkdir -p "$(dirname "$TLS_CERT")"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
        -keyout "$TLS_KEY" -out "$TLS_CERT" -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
        -addext "extendedKeyUsage=serverAuth" 2>/dev/null ||
        die "openssl could not create the self-signed certificate in $(dirname "$TLS_CERT")"
    chmod 600 "$TLS_KEY"
}

write_dovecot_conf() {
    local user group uid gid
    user="$(id -un)"; group="$(id -gn)"; uid="$(id -u)"; gid="$(id -g)"
    # Dovecot refuses root for its login processes and for mail access: when we are root, logins run as dovenull
    # (or nobody) and mail is owned by nobody:nogroup; otherwise everything runs as the invoking user.
    local login_user=$user mail_user=$user mail_group=$group
    if [[ $uid -eq 0 ]]; then
        login_user=nobody
        id dovenull >/dev/null 2>&1 && login_user=dovenull
        mail_user=nobody
        mail_group="$(id -gn nobody)"
    fi
    mkdir -p "$LOCAL_DIR/dovecot/run" "$LOCAL_DIR/dovecot/state" "$LOCAL_DIR/log" "$LOCAL_DIR/mail"
    if [[ $uid -eq 0 ]]; then
        chown "$mail_user:$mail_group" "$LOCAL_DIR/mail"
        runuser -u "$mail_user" -- test -w "$LOCAL_DIR/mail" ||
            die "user $mail_user cannot write $LOCAL_DIR/mail (a parent directory is not searchable);" \
                "set VIGIE_LOCAL_DIR to a directory under /tmp"
    fi
    cat >"$DOVECOT_CONF" <<EOF
# Generated by deploy/local/servers.sh: a private Dovecot for tests; do not edit (rewritten on each start).
instance_name = vigie-$IMAP_PORT
base_dir = $LOCAL_DIR/dovecot/run
state_dir = $LOCAL_DIR/dovecot/state
log_path = $DOVECOT_LOG
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes

# Run as the invoking user (root in CI, anyone on a workstation); see write_dovecot_conf for root.
default_internal_user = $user
default_internal_group = $group
default_login_user = $login_user
first_valid_uid = 1
first_valid_gid = 0
mail_uid = $mail_user
mail_gid = $mail_group

ssl = yes
ssl_cert = <$TLS_CERT
ssl_key = <$TLS_KEY
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0 secs

# Any user name, password "secret": each test logs in as a fresh user for isolation.
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = home=$LOCAL_DIR/mail/%u
}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs

protocol imap {
  mail_max_userip_connections = 1000
}

service imap-login {
  chroot =
  user = $login_user
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
  process_min_avail = 1
}
service imap {
  process_limit = 1024
}
service auth {
  user = $login_user
  unix_listener auth-userdb {
    mode = 0600
    user = $user
  }
}
service auth-worker {
  user = $user
}
service anvil {
  chroot =
  # Auth cannot reach this socket, which turns the auth penalty off: one wrong-password test must not delay every
  # later login from 127.0.0.1 by seconds.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service stats {
  chroot =
}
service log {
  chroot =
}
service config {
  chroot =
}
EOF
}

dovecot_pid() {
    local pid
    pid="$(read_pid "$DOVECOT_PIDFILE")"
    pid_alive "$pid" && echo "$pid" || true
}

start_dovecot() {
    if [[ -n "$(dovecot_pid)" ]]; then
        log "dovecot already running (pid $(dovecot_pid))"
        return 0
    fi
    port_open "$IMAP_PORT" && die "127.0.0.1:$IMAP_PORT is already used by another process (not our dovecot)"
    port_open "$IMAPS_PORT" && die "127.0.0.1:$IMAPS_PORT is already used by another process (not our dovecot)"
    make_certificate
    write_dovecot_conf
    : >>"$DOVECOT_LOG"
    /usr/sbin/dovecot -c "$DOVECOT_CONF" >>"$DOVECOT_LOG" 2>&1 ||
        { tail -n 20 "$DOVECOT_LOG" >&2; die "dovecot failed to start; see $DOVECOT_LOG"; }
    wait_ports_open dovecot "$DOVECOT_LOG" "$IMAP_PORT" "$IMAPS_PORT"
    local deadline=$((SECONDS + START_TIMEOUT))
    until imap_greets "$IMAP_PORT"; do
        if ((SECONDS >= deadline)); then
            tail -n 20 "$DOVECOT_LOG" >&2
            die "dovecot accepts connections on 127.0.0.1:$IMAP_PORT but sends no IMAP greeting; see $DOVECOT_LOG"
        fi
        sleep 0.1
    done
    log "dovecot up: imap 127.0.0.1:$IMAP_PORT, imaps 127.0.0.1:$IMAPS_PORT (pid $(dovecot_pid))"
}

stop_dovecot() {
    local pid
    pid="$(dovecot_pid)"
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; }
        log "dovecot stopped"
    fi
    rm -f "$DOVECOT_PIDFILE"
    wait_ports_closed dovecot "$IMAP_PORT" "$IMAPS_PORT"
}

# --- smtp-sink --------------------------------------------------------------------------------------------------

sink_pid() {
    local pid
    pid="$(read_pid "$SINK_PIDFILE")"
    pid_alive "$pid" && echo "$pid" || true
}

start_sink() {
    if [[ -n "$(sink_pid)" ]]; then
        log "smtp-sink already running (pid $(sink_pid))"
        return 0
    fi
    port_open "$SMTP_PORT" && die "127.0.0.1:$SMTP_PORT is already used by another process (not our smtp-sink)"
    mkdir -p "$SINK_DIR" "$LOCAL_DIR/log"
    local args=(-h vigie-sink -m 1024 -t 60)
    if [[ $(id -u) -eq 0 ]]; then
        # smtp-sink refuses to keep root privileges: drop to nobody, who must be able to write the dumps.
        args+=(-u nobody)
        chown nobody "$SINK_DIR"
    fi
    # A marker tells tests whether the running sink dumps what it receives.
    rm -f "$SINK_DIR/.dumping"
    [[ $SINK_DUMP == 1 ]] && touch "$SINK_DIR/.dumping"
    if [[ $SINK_DUMP == 1 ]]; then
        # One file per transaction: <sink>/<YYYYmmdd>/<HHMMSS>.<random hex>; the format is in smtp-sink(1).
        args+=(-d "$SINK_DIR/%Y%m%d/%H%M%S.")
    fi
    : >>"$SINK_LOG"
    nohup /usr/sbin/smtp-sink "${args[@]}" "127.0.0.1:$SMTP_PORT" 512 >>"$SINK_LOG" 2>&1 </dev/null &
    echo $! >"$SINK_PIDFILE"
    wait_ports_open smtp-sink "$SINK_LOG" "$SMTP_PORT" || { stop_sink; exit 1; }
    log "smtp-sink up: smtp 127.0.0.1:$SMTP_PORT (pid $(sink_pid))$([[ $SINK_DUMP == 1 ]] && echo ", dumps in $SINK_DIR")"
}

stop_sink() {
    local pid
    pid="$(sink_pid)"
    if [[ -n $pid ]]; then
        kill -TERM "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; }
        log "smtp-sink stopped"
    fi
    rm -f "$SINK_PIDFILE"
    wait_ports_closed smtp-sink "$SMTP_PORT"
}

# --- commands ---------------------------------------------------------------------------------------------------

print_env() {
    cat <<EOF
export VIGIE_LOCAL_DIR='$LOCAL_DIR'
export VIGIE_IMAP_PORT=$IMAP_PORT
export VIGIE_IMAPS_PORT=$IMAPS_PORT
export VIGIE_SMTP_PORT=$SMTP_PORT
export VIGIE_DOVECOT_CONF='$DOVECOT_CONF'
export VIGIE_TLS_CA='$TLS_CERT'
export VIGIE_SINK_DIR='$SINK_DIR'
EOF
}

status() {
    local rc=0 pid
    pid="$(dovecot_pid)"
    if [[ -n $pid ]]; then
        echo "dovecot: running (pid $pid), imap 127.0.0.1:$IMAP_PORT, imaps 127.0.0.1:$IMAPS_PORT"
    else
        echo "dovecot: stopped"; rc=1
    fi
    pid="$(sink_pid)"
    if [[ -n $pid ]]; then
        echo "smtp-sink: running (pid $pid), smtp 127.0.0.1:$SMTP_PORT"
    else
        echo "smtp-sink: stopped"; rc=1
    fi
    return $rc
}

case "${1:-}" in
    start)
        ensure_packages
        mkdir -p "$LOCAL_DIR"
        start_dovecot
        start_sink
        ;;
    stop)
        stop_sink
        stop_dovecot
        ;;
    restart)
        stop_sink
        stop_dovecot
        ensure_packages
        start_dovecot
        start_sink
        ;;
    status) status ;;
    env) print_env ;;
    *)
        echo "usage: $0 start|stop|restart|status|env" >&2
        exit 2
        ;;
esac
