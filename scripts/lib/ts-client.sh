# shellcheck shell=bash
# The TypeScript packages in clients/ (@herald/client, @herald/inbox) built from their lock files and the client used
# against a live herald-server (the Release build output). Sourced by scripts/test after the release build; needs
# free_ports from services.sh. Defines functions only.

ts_client_base=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")

# ts_client_check WORK: npm ci in both packages, checks src/schema.d.ts is what openapi-typescript makes of
# docs/openapi.json, builds both, type-checks the inbox declarations, runs the client's unit tests, then starts a server
# (SQLite in WORK/ts-client) and runs the live tests against it. Prints one line; non-zero with the reason on failure.
ts_client_check() (
  set -uo pipefail
  local dir="$1/ts-client" client="$ts_client_base/clients/typescript" inbox="$ts_client_base/clients/inbox"
  local dll="$ts_client_base/src/Herald.Server/bin/Release/net10.0/Herald.Server.dll"
  mkdir -p "$dir"
  ts_pid=
  trap 'ts_client_stop' EXIT
  [ -f "$dll" ] || ts_client_fail "no $dll: build Release first"

  local pkg
  for pkg in "$client" "$inbox"; do
    (cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error) >"$dir/npm-ci.log" 2>&1 ||
      ts_client_fail "npm ci in $pkg failed: $(tail -n 5 "$dir/npm-ci.log")"
  done
  (cd "$client" && node scripts/check-schema.mjs) >"$dir/schema.log" 2>&1 || ts_client_fail "$(cat "$dir/schema.log")"
  (cd "$client" && npm run -s build) >"$dir/build.log" 2>&1 || ts_client_fail "@herald/client build failed: $(tail -n 20 "$dir/build.log")"
  (cd "$inbox" && npm run -s build && npm run -s test) >"$dir/inbox.log" 2>&1 ||
    ts_client_fail "@herald/inbox build or declaration check failed: $(tail -n 20 "$dir/inbox.log")"

  local port key base
  port=$(free_ports 1)
  key="hk_$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')"
  base="http://127.0.0.1:$port"
  HERALD_BOOTSTRAP_API_KEY="$key" Herald__Storage__Sqlite__Path="$dir/herald.db" \
    dotnet "$dll" --urls "$base" >"$dir/server.log" 2>&1 &
  ts_pid=$!
  local deadline=$((SECONDS + 60))
  until curl -sf -o /dev/null "$base/readyz"; do
    kill -0 "$ts_pid" 2>/dev/null || ts_client_fail "herald-server exited before it was ready"
    [ "$SECONDS" -lt "$deadline" ] || ts_client_fail "herald-server was not ready within 60 s"
    sleep 0.5
  done

  (cd "$client" && HERALD_URL="$base" HERALD_API_KEY="$key" node --test test/unit/ test/live/) >"$dir/node-test.log" 2>&1 ||
    ts_client_fail "node --test failed: $(grep -E '^not ok|^# (pass|fail)|error:|expected|actual' "$dir/node-test.log" | head -n 20)"
  local passed failed
  passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$dir/node-test.log")
  failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$dir/node-test.log")
  [ "${passed:-0}" -gt 0 ] && [ "${failed:-1}" = 0 ] || ts_client_fail "node --test ran no test: $(tail -n 10 "$dir/node-test.log")"
  echo "ts client: ${passed} tests passed (@herald/client unit and live against herald-server, schema current); @herald/inbox declarations compile"
)

ts_client_fail() {
  echo "ts client: FAILED: $*" >&2
  if [ -s "${dir:-}/server.log" ]; then
    echo "-- herald-server's last output:" >&2
    tail -n 10 "$dir/server.log" >&2
  fi
  exit 1
}

# ts_client_stop: stops the server (TERM, then KILL after 20 s).
ts_client_stop() { stop_pid "${ts_pid:-}"; }
