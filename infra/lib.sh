# shellcheck shell=bash
# Shared helpers for infra/*/up.sh and down.sh (sourced, not run).
# Everything a service writes lives under $TCPX_INFRA_DIR (default <repo>/.cache/infra, ignored by git):
#   <svc>/       binaries, config, data      logs/<svc>.log   run/<svc>.pid
# Services run as plain background processes in their own session (setsid), never via systemd.

TCPX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TCPX_INFRA_DIR="${TCPX_INFRA_DIR:-$TCPX_ROOT/.cache/infra}"
TCPX_INFRA_LOGS="$TCPX_INFRA_DIR/logs"
TCPX_INFRA_RUN="$TCPX_INFRA_DIR/run"
TCPX_HOST="${TCPX_HOST:-127.0.0.1}"
mkdir -p "$TCPX_INFRA_LOGS" "$TCPX_INFRA_RUN"

# Ports (one place, so every script and the README agree).
TCPX_KAFKA_PORT="${TCPX_KAFKA_PORT:-19092}"
TCPX_KAFKA_CONTROLLER_PORT="${TCPX_KAFKA_CONTROLLER_PORT:-19093}"
TCPX_REGISTRY_PORT="${TCPX_REGISTRY_PORT:-18081}"
TCPX_REGISTRY_MGMT_PORT="${TCPX_REGISTRY_MGMT_PORT:-18082}"
TCPX_CLICKHOUSE_HTTP_PORT="${TCPX_CLICKHOUSE_HTTP_PORT:-18123}"
TCPX_CLICKHOUSE_NATIVE_PORT="${TCPX_CLICKHOUSE_NATIVE_PORT:-19000}"
TCPX_CLICKHOUSE_INTERSERVER_PORT="${TCPX_CLICKHOUSE_INTERSERVER_PORT:-19009}"
TCPX_CHDB_HTTP_PORT="${TCPX_CHDB_HTTP_PORT:-18124}"

INFRA_NAME="${INFRA_NAME:-infra}"
log() { echo "[$INFRA_NAME] $*" >&2; }
die() { echo "[$INFRA_NAME] ERROR: $*" >&2; exit 1; }

pidfile_of() { echo "$TCPX_INFRA_RUN/$1.pid"; }
logfile_of() { echo "$TCPX_INFRA_LOGS/$1.log"; }

# The pid recorded for service $1, if that process is alive and its command line still contains
# the marker $2 (guards against a recycled pid). Prints the pid; status 1 otherwise.
running_pid() {
  local pf pid
  pf="$(pidfile_of "$1")"
  [ -s "$pf" ] || return 1
  pid="$(cat "$pf")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  if [ -n "${2:-}" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
    return 1
  fi
  echo "$pid"
}

# Alive = exists and is not a zombie (an exited child whose parent has not reaped it yet).
pid_alive() {
  local st
  kill -0 "$1" 2>/dev/null || return 1
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ "$st" != "Z" ] && [ -n "$st" ]
}

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# start_bg NAME CMD...: start CMD detached (own session, stdin from /dev/null, stdout/stderr
# appended to logs/NAME.out) and record its pid in run/NAME.pid.
start_bg() {
  local name="$1"; shift
  local out="$TCPX_INFRA_LOGS/$name.out"
  echo "---- $(date -Is) start: $*" >>"$out"
  setsid "$@" </dev/null >>"$out" 2>&1 &
  echo $! >"$(pidfile_of "$name")"
}

# show_log_tail NAME [LINES]: the end of logs/NAME.log and logs/NAME.out, for error messages.
show_log_tail() {
  local name="$1" n="${2:-40}" f
  for f in "$TCPX_INFRA_LOGS/$name.log" "$TCPX_INFRA_LOGS/$name.out" "$TCPX_INFRA_LOGS/$name.err.log"; do
    [ -s "$f" ] || continue
    echo "----- last $n lines of $f -----" >&2
    tail -n "$n" "$f" >&2
  done
}

# wait_healthy NAME MARKER TIMEOUT_S CHECK_FN [stop]: call CHECK_FN every second until it
# succeeds. Fails (with the log tail) when the process dies or the timeout passes; with "stop",
# a timed-out process is stopped first (used right after starting it).
wait_healthy() {
  local name="$1" marker="$2" timeout="$3" check="$4" start=$SECONDS
  while true; do
    if "$check" >/dev/null 2>&1; then
      log "healthy after $((SECONDS - start)) s"
      return 0
    fi
    if ! running_pid "$name" "$marker" >/dev/null; then
      show_log_tail "$name"
      die "$name exited before becoming healthy (logs above; full logs in $TCPX_INFRA_LOGS)"
    fi
    if [ $((SECONDS - start)) -ge "$timeout" ]; then
      show_log_tail "$name"
      # A process this run started is not left behind half-started.
      if [ "${5:-}" = stop ]; then stop_service "$name" "$marker" 10 || true; fi
      die "$name not healthy after ${timeout} s (set TCPX_INFRA_TIMEOUT to wait longer; logs in $TCPX_INFRA_LOGS)"
    fi
    sleep 1
  done
}

# stop_service NAME MARKER [GRACE_S]: SIGTERM the recorded process group, wait up to GRACE_S,
# then SIGKILL. Idempotent: nothing recorded / already gone = success.
stop_service() {
  local name="$1" marker="$2" grace="${3:-30}" pid i
  if ! pid="$(running_pid "$name" "$marker")"; then
    rm -f "$(pidfile_of "$name")"
    log "not running"
    return 0
  fi
  log "stopping pid $pid (SIGTERM, grace ${grace} s)"
  # The process was started with setsid, so its pid is also its process group id: this reaches
  # its children too (and nothing else).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    pid_alive "$pid" || break
    sleep 0.2
  done
  if pid_alive "$pid"; then
    log "still alive after ${grace} s: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      pid_alive "$pid" || break
      sleep 0.2
    done
  fi
  # Leftover members of the group (if any) go too.
  kill -KILL -- "-$pid" 2>/dev/null || true
  if pid_alive "$pid"; then
    die "pid $pid survived SIGKILL"
  fi
  rm -f "$(pidfile_of "$name")"
  log "stopped"
}

# Refuse to start when something we did not start holds one of our ports.
ensure_ports_free() {
  local p
  for p in "$@"; do
    if port_open "$TCPX_HOST" "$p"; then
      die "port $TCPX_HOST:$p is already in use by another process (not ours); free it or set the TCPX_*_PORT variables"
    fi
  done
}

# Render a template: replaces every @@VAR@@ with the value of shell variable VAR.
render() {
  local src="$1" dst="$2" content var
  content="$(cat "$src")"
  for var in $(grep -o '@@[A-Z0-9_]*@@' "$src" | sort -u | tr -d '@'); do
    [ -n "${!var+x}" ] || die "template $src needs \$$var"
    content="${content//@@${var}@@/${!var}}"
  done
  printf '%s\n' "$content" >"$dst.tmp"
  mv "$dst.tmp" "$dst"
}

need_cmd() { command -v "$1" >/dev/null 2>&1 || die "$1 is required ($2)"; }

# apt_ensure CMD:PKG ...: install the Debian package PKG when command CMD is missing.
# Runs `apt-get update` only when a package has no install candidate (no or stale package lists).
apt_ensure() {
  local spec cmd pkg need=() sudo=""
  for spec in "$@"; do
    cmd="${spec%%:*}"; pkg="${spec#*:}"
    command -v "$cmd" >/dev/null 2>&1 || [ -x "/usr/sbin/$cmd" ] || [ -x "/usr/bin/$cmd" ] || need+=("$pkg")
  done
  [ "${#need[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing ${need[*]} and no apt-get to install them"
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  local aptlog="$TCPX_INFRA_LOGS/apt.log" policy updated=""
  log "installing ${need[*]} (apt-get; output in $aptlog)"
  for pkg in "${need[@]}"; do
    policy="$(apt-cache policy "$pkg" 2>/dev/null || true)"
    if ! grep -q 'Candidate: [^(]' <<<"$policy"; then
      log "apt-get update (no install candidate for $pkg yet)"
      $sudo apt-get update -q >>"$aptlog" 2>&1 || { tail -n 20 "$aptlog" >&2; die "apt-get update failed"; }
      updated=1
      break
    fi
  done
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >>"$aptlog" 2>&1; then
    # Stale package lists name versions the mirror no longer has: update once and retry.
    if [ -n "$updated" ]; then
      tail -n 30 "$aptlog" >&2
      die "apt-get install ${need[*]} failed"
    fi
    log "apt-get install failed; apt-get update and retry"
    if ! { $sudo apt-get update -q >>"$aptlog" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >>"$aptlog" 2>&1; }; then
      tail -n 30 "$aptlog" >&2
      die "apt-get install ${need[*]} failed"
    fi
  fi
}

# The JDK (17) and Maven the Java services need, from Debian.
ensure_java_maven() {
  apt_ensure java:openjdk-17-jre-headless mvn:maven
}

# mvn_fetch POM OUTDIR [GOAL]: run dependency:copy-dependencies (or GOAL, e.g. dependency:copy
# for artifactItems) of POM into OUTDIR, skipped when OUTDIR was filled from the same POM before
# (a sha256 stamp). Atomic: a failed fetch leaves no half-filled OUTDIR.
mvn_fetch() {
  local pom="$1" out="$2" goal="${3:-dependency:copy-dependencies}" want
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  if [ -f "$out/.pom.sha256" ] && [ "$(cat "$out/.pom.sha256")" = "$want" ]; then
    return 0
  fi
  log "fetching from Maven Central ($pom) into $out"
  rm -rf "$out.tmp"
  # (Debian's Maven 3.8 prints colour codes even with -B -q: strip them.)
  mvn -B -q -f "$pom" "$goal" -DincludeScope=runtime -DoutputDirectory="$out.tmp" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' >&2 ||
    die "mvn $goal failed for $pom (Maven Central reachable? output above)"
  echo "$want" >"$out.tmp/.pom.sha256"
  rm -rf "$out"
  mv "$out.tmp" "$out"
}
