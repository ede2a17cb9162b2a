# shellcheck shell=bash
# The servers the tests need, private to one run: PostgreSQL 15 and RabbitMQ 3.10, each from a folder inside the run's
# temporary folder, as its package's system user (postgres, rabbitmq), listening only on 127.0.0.1 at free ports.
# Nothing here uses or touches a system-wide instance; RabbitMQ even gets its own epmd port. Sourced by scripts/test,
# and again by the generated restart scripts, so that starting and restarting share one path. Defines functions only.

services_lib=$(realpath "${BASH_SOURCE[0]}")
pg_bin=/usr/lib/postgresql/15/bin
rabbitmq_bin=/usr/lib/rabbitmq/bin

# Installs what is missing with apt (needs root): the two servers, Debian's python3-aiosmtpd, which the SMTP
# contract tests start themselves with /usr/bin/python3, and Chromium for the browser tests.
install_missing() {
  local need=() log status=0 guard=
  [ -x "$pg_bin/initdb" ] || need+=(postgresql-15)
  [ -x "$rabbitmq_bin/rabbitmq-server" ] || need+=(rabbitmq-server)
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || need+=(python3-aiosmtpd)
  # promtool (Debian's prometheus package) checks a live /metrics scrape and runs the alert rules' unit tests.
  [ -x /usr/bin/promtool ] || need+=(prometheus)
  # The browser tests drive Debian's Chromium with Playwright (never a downloaded browser); axe-core comes from npm.
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v npm >/dev/null || need+=(npm)
  [ ${#need[@]} -gt 0 ] || return 0
  echo "== installing ${need[*]}"
  # The packages' scripts would start system-wide servers (PostgreSQL's main cluster on 5432, RabbitMQ and epmd on
  # 5672/4369) that the tests do not use; a policy-rc.d present during the install keeps invoke-rc.d from starting them.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# Put here by Herald scripts/test while it installs packages; removed afterwards.\nexit 101\n' \
      >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  log=$(mktemp -t herald-apt.XXXXXX)
  {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  } >"$log" 2>&1 || status=$?
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || { echo "apt-get failed ($status):" >&2; tail -n 20 "$log" >&2; }
  rm -f "$log"
  return "$status"
}

# Prints N distinct ports that nothing listens on, below the kernel's ephemeral range so that no outgoing connection
# or port-0 listener of the tests can take one before the server binds it.
free_ports() {
  /usr/bin/python3 - "$1" <<'PY'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
first, last = (max(1024, low - 12000), low - 1) if low > 2048 else (1024, 65535)
ports = []
while len(ports) < int(sys.argv[1]):
    port = random.randint(first, last)
    with socket.socket() as s:
        try:
            s.bind(("0.0.0.0", port))
        except OSError:
            continue
    if port not in ports:
        ports.append(port)
print(*ports)
PY
}

# as_user USER CMD...: runs CMD as USER from /, so that USER needs no access to the caller's folder. Only root can
# switch users; anyone else runs the servers as themselves.
as_user() {
  local user=$1
  shift
  if [ "$EUID" -eq 0 ]; then (cd / && runuser -u "$user" -- "$@"); else (cd / && "$@"); fi
}

# give USER PATH...: hands the folders to USER (root only; anyone else runs the servers as themselves).
give() {
  local user=$1
  shift
  [ "$EUID" -ne 0 ] || chown -R "$user:" "$@"
}

# alive PID: whether the process runs (an exited one that its parent has not reaped yet does not).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# write_restart_script PATH FUNCTION WORK: an executable that calls FUNCTION of this file on the run's folder WORK.
write_restart_script() {
  printf '#!/usr/bin/env bash\n# Written by %s for one test run; restarts a server mid-run, non-zero on failure.\n. %q\n%s %q\n' \
    "$services_lib" "$services_lib" "$2" "$3" >"$1"
  chmod 755 "$1"
}

# ---- PostgreSQL

# start_postgres WORK: a new cluster in WORK/postgres with database herald_test. Exports HERALD_TEST_POSTGRES and
# HERALD_TEST_POSTGRES_RESTART; sets postgres_port.
start_postgres() {
  local work dir port
  work=$(realpath "$1")
  dir=$work/postgres
  port=$(free_ports 1)
  mkdir -p "$dir"
  chmod 711 "$work"
  give postgres "$dir"
  if ! as_user postgres "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
    >"$dir/initdb.log" 2>&1; then
    echo "PostgreSQL initdb failed; the end of $dir/initdb.log:" >&2
    tail -n 20 "$dir/initdb.log" >&2
    return 1
  fi
  # Durable as in production (fsync, synchronous commit), so that the restart tests see real crash recovery.
  cat >>"$dir/data/postgresql.conf" <<EOF

# Herald tests (scripts/lib/services.sh)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 300
# Frequent checkpoints keep the WAL a crash restart must replay short: the cluster test's heavy load had left tens of
# seconds of recovery.
checkpoint_timeout = 30s
EOF
  # The benchmark's --pg-statements: per-statement time (pg_stat_statements), off for the tests.
  if [ -n "${HERALD_PG_STATEMENTS:-}" ]; then
    printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track_planning = on\n" >>"$dir/data/postgresql.conf"
  fi
  echo "$port" >"$dir/port"
  postgres_run "$dir" 30 || return 1
  if ! "$pg_bin/psql" -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c 'CREATE DATABASE herald_test' >&2; then
    echo "PostgreSQL: could not create database herald_test" >&2
    return 1
  fi
  write_restart_script "$work/restart-postgres" restart_postgres "$work"
  export HERALD_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=herald_test;Pooling=true"
  export HERALD_TEST_POSTGRES_RESTART=$work/restart-postgres
  # shellcheck disable=SC2034 # read by scripts/test
  postgres_port=$port
}

# postgres_run DIR SECONDS: starts the cluster in DIR and waits until it accepts connections.
postgres_run() {
  local dir=$1 port
  port=$(<"$dir/port")
  if as_user postgres "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$2" -s start >&2 &&
    "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 5; then
    return 0
  fi
  echo "PostgreSQL did not start on port $port; the end of $dir/postgres.log:" >&2
  tail -n 20 "$dir/postgres.log" >&2
  return 1
}

# stop_postgres DIR MODE: stops the cluster in DIR if it runs (fast: clean shutdown; immediate: as a crash would).
stop_postgres() {
  [ -d "$1/data" ] || return 0
  as_user postgres "$pg_bin/pg_ctl" -D "$1/data" status >/dev/null 2>&1 || return 0
  as_user postgres "$pg_bin/pg_ctl" -D "$1/data" -m "$2" -w -t 20 -s stop >&2
}

# restart_postgres WORK: the tests' restart: an immediate stop (no shutdown checkpoint, so the start runs crash
# recovery), then a start with the same data.
restart_postgres() {
  stop_postgres "$1/postgres" immediate && postgres_run "$1/postgres" 50
}

# install_axe WORK: axe-core from the npm registry into WORK/npm, for the browser tests' accessibility checks
# (HERALD_TEST_AXE names its axe.min.js). The version is pinned.
install_axe() {
  local dir=$1/npm
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent axe-core@4.14.1 >"$dir/install.log" 2>&1 ||
    { echo "npm could not install axe-core:" >&2; tail -n 20 "$dir/install.log" >&2; return 1; }
  export HERALD_TEST_AXE=$dir/node_modules/axe-core/axe.min.js
}

# lint_openapi WORK: lints docs/openapi.json with Redocly CLI (from the npm registry into WORK/npm, pinned) by the rules
# of redocly.yaml. Prints each rule's count and a total line; returns non-zero on any error (warnings may remain).
lint_openapi() {
  local dir=$1/npm out rc
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent @redocly/cli@2.77.0 >"$dir/redocly-install.log" 2>&1 ||
    { echo "npm could not install @redocly/cli:" >&2; tail -n 20 "$dir/redocly-install.log" >&2; return 1; }
  out=$(REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
    "$dir/node_modules/.bin/redocly" lint docs/openapi.json --config redocly.yaml --format=summary 2>&1) && rc=0 || rc=$?
  printf '%s\n' "$out" | grep -E '^(error|warning) ' || true
  printf '%s\n' "$out" | awk -v rc="$rc" '
    /^error / { e += $NF } /^warning / { w += $NF }
    END { printf "OpenAPI lint: %d errors, %d warnings\n", e, w; if (rc != 0 && e == 0) print "redocly exited " rc " without a rule error" }'
  [ "$rc" -eq 0 ] || { printf '%s\n' "$out" | tail -n 40 >&2; return 1; }
}

# stop_pid PID: stops a process we started (TERM, then KILL after 20 s); nothing when PID is empty or already gone.
stop_pid() {
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || return 0
  local i
  for i in $(seq 1 40); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.5
  done
  kill -9 "$1" 2>/dev/null || true
}

# ---- RabbitMQ

# start_rabbitmq WORK: a new node with its data, logs, configuration, cookie and epmd in WORK/rabbitmq, no plugins.
# Exports HERALD_TEST_RABBITMQ and HERALD_TEST_RABBITMQ_RESTART; sets rabbitmq_port.
start_rabbitmq() {
  local work dir amqp dist epmd node
  work=$(realpath "$1")
  dir=$work/rabbitmq
  read -r amqp dist epmd <<<"$(free_ports 3)"
  node="herald-test-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')@localhost"
  mkdir -p "$dir/mnesia" "$dir/log"
  chmod 711 "$work"
  printf 'listeners.tcp.default = 127.0.0.1:%s\n' "$amqp" >"$dir/rabbitmq.conf"
  echo '[].' >"$dir/enabled_plugins"
  : >"$dir/rabbitmq-env.conf" # read instead of /etc/rabbitmq/rabbitmq-env.conf
  od -An -N20 -tx1 /dev/urandom | tr -d ' \n' >"$dir/.erlang.cookie"
  chmod 400 "$dir/.erlang.cookie"
  # The node's whole environment; sourced before every server and rabbitmqctl command (HOME holds the cookie).
  cat >"$dir/env" <<EOF
export HOME='$dir'
export RABBITMQ_NODENAME='$node'
export RABBITMQ_NODE_PORT=$amqp
export RABBITMQ_DIST_PORT=$dist
export ERL_EPMD_PORT=$epmd
export ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_CONF_ENV_FILE='$dir/rabbitmq-env.conf'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/advanced.config'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_PID_FILE='$dir/rabbitmq.pid'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
EOF
  give rabbitmq "$dir"
  rabbitmq_run "$dir" 60 || return 1
  write_restart_script "$work/restart-rabbitmq" restart_rabbitmq "$work"
  export HERALD_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:$amqp/"
  export HERALD_TEST_RABBITMQ_RESTART=$work/restart-rabbitmq
  # shellcheck disable=SC2034 # read by scripts/test
  rabbitmq_port=$amqp
}

# rabbitmq_as DIR CMD...: runs CMD as the rabbitmq user with the node's environment.
rabbitmq_as() {
  local dir=$1
  shift
  as_user rabbitmq /bin/sh -c '. "$0/env" && cd "$0" && exec "$@"' "$dir" "$@"
}

# rabbitmq_run DIR SECONDS: starts the node in DIR in its own session, its output in DIR/log/server.out (never the
# caller's pipes), and waits until RabbitMQ runs on it.
rabbitmq_run() {
  local dir=$1 deadline=$((SECONDS + $2)) port pid=
  port=$(. "$dir/env" && echo "$RABBITMQ_NODE_PORT")
  rm -f "$dir/server.pid"
  rabbitmq_as "$dir" setsid -f /bin/sh -c 'echo $$ >"$0/server.pid" && exec "$1"' "$dir" \
    "$rabbitmq_bin/rabbitmq-server" </dev/null >>"$dir/log/server.out" 2>&1
  # Waits for the AMQP listener, which opens last, with a plain connect: each rabbitmqctl costs about a CPU second,
  # and asking it in a loop slows the boot it waits for. Stops early when the server has exited (a failed boot).
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ -n "$pid" ] || pid=$(cat "$dir/server.pid" 2>/dev/null) || true
    if [ "$SECONDS" -ge "$deadline" ] || { [ -n "$pid" ] && ! alive "$pid"; }; then
      rabbitmq_failed "$dir"
      return 1
    fi
    sleep 0.2
  done
  # The CLI boots its own Erlang VM: on a loaded 2-core machine that alone has taken over 15 s. Asked while the node
  # is still starting its applications it can answer :noproc (seen under load after a restart): asked again then,
  # until the deadline, as long as the server runs.
  until rabbitmq_as "$dir" timeout 30 "$rabbitmq_bin/rabbitmqctl" -q await_startup --timeout 25 >"$dir/log/ctl.out" 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ] || { [ -n "$pid" ] && ! alive "$pid"; }; then
      rabbitmq_failed "$dir"
      return 1
    fi
    sleep 1
  done
}

# rabbitmq_failed DIR: says so, with the end of the node's logs.
rabbitmq_failed() {
  echo "RabbitMQ did not start; the end of its logs in $1/log:" >&2
  tail -n 20 "$1/log/ctl.out" "$1/log/server.out" "$1"/log/*@*.log >&2 2>/dev/null
}

# stop_rabbitmq DIR: stops the node in DIR if it runs. SIGTERM makes RabbitMQ shut down cleanly, as rabbitmqctl
# shutdown would, without the CLI's second of CPU; a node still there after 20 s is killed.
stop_rabbitmq() {
  local pid i
  [ -f "$1/env" ] || return 0
  for pid in "$(cat "$1/rabbitmq.pid" 2>/dev/null)" "$(cat "$1/server.pid" 2>/dev/null)"; do
    # Only a process of this node: its environment names the node's folder (pid files can be stale).
    [ -n "$pid" ] && grep -qzxF "RABBITMQ_MNESIA_BASE=$1/mnesia" "/proc/$pid/environ" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 200; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    ! alive "$pid" || kill -KILL "$pid" 2>/dev/null || true
  done
  rm -f "$1/rabbitmq.pid" "$1/server.pid"
}

# restart_rabbitmq WORK: the tests' restart: a clean shutdown, then a start with the same node name and data.
# 45 s for the boot: on a loaded machine (other test runs beside it) the cluster test's restart took over 20 s.
restart_rabbitmq() {
  stop_rabbitmq "$1/rabbitmq" && rabbitmq_run "$1/rabbitmq" 45
}

# reset_rabbitmq WORK: the same node, port and name with empty data: no queue a previous test project left behind.
reset_rabbitmq() {
  stop_rabbitmq "$1/rabbitmq" && rm -rf "$1/rabbitmq/mnesia" && mkdir -p "$1/rabbitmq/mnesia" &&
    give rabbitmq "$1/rabbitmq/mnesia" && rabbitmq_run "$1/rabbitmq" 60
}

# ---- Both

# stop_services WORK: stops whatever start_postgres and start_rabbitmq started in WORK, and the node's epmd.
stop_services() {
  local work
  work=$(realpath "$1")
  stop_postgres "$work/postgres" fast || true
  stop_rabbitmq "$work/rabbitmq"
  [ ! -f "$work/rabbitmq/env" ] || (. "$work/rabbitmq/env" && epmd -kill >/dev/null 2>&1) || true
}
