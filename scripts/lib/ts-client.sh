# shellcheck shell=bash
# The TypeScript packages in clients/ (@herald/client, @herald/inbox) built from their lock files and the client used
# against a live herald-server (the Release build output), then the tarballs scripts/release packed installed and used
# as a user would against the same server. Sourced by scripts/test after scripts/release; needs free_ports from
# services.sh. Defines functions only.

ts_client_base=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")

# ts_client_check WORK: npm ci in both packages, checks src/schema.d.ts is what openapi-typescript makes of
# docs/openapi.json, builds both, type-checks the inbox declarations, runs the client's unit tests, then starts a server
# (SQLite in WORK/ts-client), runs the live tests against it and then ts_packages_check. Prints one line; non-zero with
# the reason on failure.
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
  local packed
  packed=$(ts_packages_check "$dir" "$base" "$key") || exit 1
  echo "ts client: ${passed} tests passed (@herald/client unit and live against herald-server, schema current); @herald/inbox declarations compile; $packed"
)

# ts_packages_check DIR BASE KEY: the tarballs in artifacts/packages installed with npm into a scratch project
# (DIR/consumer, a copy of scripts/lib/npm-consumer), their versions checked against artifacts/version, a strict
# TypeScript consumer of both compiled with tsc --noEmit (the lock-pinned tsc of clients/inbox: the packages do not bring
# one), and one notification sent through the installed @herald/client to the server at BASE. Prints what passed.
ts_packages_check() {
  local scratch="$1/consumer" base=$2 key=$3 artifacts="$ts_client_base/artifacts" version
  version=$(cat "$artifacts/version" 2>/dev/null) || ts_client_fail "no artifacts/version: scripts/release did not run or failed"
  local tarballs=("$artifacts"/packages/herald-client-*.tgz "$artifacts"/packages/herald-inbox-*.tgz)
  [ "${#tarballs[@]}" = 2 ] && [ -f "${tarballs[0]}" ] && [ -f "${tarballs[1]}" ] ||
    ts_client_fail "expected one herald-client-*.tgz and one herald-inbox-*.tgz in artifacts/packages (scripts/release makes them), found: ${tarballs[*]##*/}"

  mkdir -p "$scratch" && cp "$ts_client_base"/scripts/lib/npm-consumer/* "$scratch/"
  (cd "$scratch" && npm install --no-audit --no-fund --prefer-offline --loglevel=error "${tarballs[@]}") >"$scratch/install.log" 2>&1 ||
    ts_client_fail "npm install of ${tarballs[*]##*/} failed: $(tail -n 5 "$scratch/install.log")"
  local pkg installed
  for pkg in client inbox; do
    installed=$(node -p 'require(process.argv[1]).version' "$scratch/node_modules/@herald/$pkg/package.json") ||
      ts_client_fail "@herald/$pkg is not installed in $scratch"
    [ "$installed" = "$version" ] || ts_client_fail "the installed @herald/$pkg is version $installed, artifacts/version is $version"
  done
  cmp -s "$scratch/node_modules/@herald/inbox/dist/herald-inbox.js" "$ts_client_base/src/Herald.Server/Ui/inbox/herald-inbox.js" ||
    ts_client_fail "the installed @herald/inbox's dist/herald-inbox.js is not the one herald-server serves"
  "$ts_client_base/clients/inbox/node_modules/.bin/tsc" -p "$scratch/tsconfig.json" >"$scratch/tsc.log" 2>&1 ||
    ts_client_fail "a strict TypeScript consumer of the installed packages does not compile: $(head -n 20 "$scratch/tsc.log")"
  local sent
  sent=$(cd "$scratch" && HERALD_URL="$base" HERALD_API_KEY="$key" node send.mjs 2>"$scratch/send.log") ||
    ts_client_fail "a send through the installed @herald/client failed: $(grep -v '^\s*at ' "$scratch/send.log" | head -n 20)"
  echo "@herald/client and @herald/inbox $version installed from artifacts/packages, a strict consumer of both compiles, a send through the installed client: $sent"
}

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
