# shellcheck shell=bash
# The release artifacts (scripts/release) used as a user would: the published herald-server started with no .NET on
# PATH and an empty environment, the herald tool installed from the local package folder, and one notification sent
# through each. Sourced by scripts/test; needs free_ports from services.sh. Defines functions only.

release_base=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../..")

# release_smoke WORK: runs the smoke in the new folder WORK/release and prints one line saying what passed; non-zero,
# with the step that failed and the server's last output, on failure. The server is stopped whatever happens. Every
# step checks its own result: errexit does not hold in a function called as 'release_smoke ... || ...'.
release_smoke() (
  set -uo pipefail
  local dir="$1/release" artifacts="$release_base/artifacts"
  local version binary="$artifacts/herald-server-linux-x64/herald-server"
  mkdir -p "$dir/home" "$dir/nobin" "$dir/tools"
  version=$(cat "$artifacts/version") || smoke_fail "no artifacts/version: run scripts/release first"
  smoke_pid=
  trap 'smoke_stop "$dir"' EXIT

  local port key base started
  port=$(free_ports 1)
  key="hk_$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')"
  base="http://127.0.0.1:$port"
  started=$SECONDS
  # env -i: no DOTNET_ROOT, and a PATH with nothing on it, so the binary cannot lean on the SDK's runtime.
  env -i PATH="$dir/nobin" HOME="$dir/home" HERALD_BOOTSTRAP_API_KEY="$key" Herald__Storage__Sqlite__Path="$dir/herald.db" \
    "$binary" --urls "$base" >"$dir/server.log" 2>&1 &
  smoke_pid=$!
  smoke_wait_ready "$base"
  local ready_in=$((SECONDS - started))
  smoke_no_sdk_runtime "$smoke_pid"

  local readyz
  readyz=$(curl -sS "$base/readyz") || smoke_fail "GET /readyz: no answer"
  [ "$(smoke_json version <<<"$readyz")" = "$version" ] || smoke_fail "/readyz reports version $(smoke_json version <<<"$readyz"), artifacts/version is $version"
  smoke_expect 200 GET "$base/dashboard/" "" "" >/dev/null
  smoke_expect 200 GET "$base/inbox/herald-inbox.js" "" "" >/dev/null
  smoke_expect 201 POST "$base/api/v1/templates" "$key" \
    '{"template_id": "release.smoke", "variables": ["via"], "channels": {"in_app": {"title": "Release smoke", "body": "Sent with {{via}}"}}}' >/dev/null
  smoke_expect 200 POST "$base/api/v1/templates/release.smoke/versions/1/publish" "$key" "" >/dev/null

  # The tool from the package folder only (no other source, a private package cache): this version, nothing older.
  printf '<configuration><packageSources><clear /><add key="artifacts" value="%s" /></packageSources></configuration>\n' \
    "$artifacts/packages" >"$dir/nuget.config"
  NUGET_PACKAGES="$dir/nuget" dotnet tool install Herald.Cli --tool-path "$dir/tools" --configfile "$dir/nuget.config" --version "$version" \
    >"$dir/tool-install.log" 2>&1 || smoke_fail "dotnet tool install Herald.Cli $version failed: $(tail -n 5 "$dir/tool-install.log")"
  local herald="$dir/tools/herald" printed
  printed=$("$herald" --version) || smoke_fail "herald --version failed"
  [ "$printed" = "$version" ] || smoke_fail "herald --version printed '$printed', expected $version"

  local sent id got
  sent=$(HERALD_URL="$base" HERALD_API_KEY="$key" "$herald" send --json -e release.smoke -t release-user -d '{"via": "the herald tool"}') ||
    smoke_fail "herald send failed"
  [ "$(smoke_json status <<<"$sent")" = accepted ] || smoke_fail "herald send: not accepted: $sent"
  id=$(smoke_json id <<<"$sent")
  [[ $id == ntf_* ]] || smoke_fail "herald send: no notification id in $sent"
  got=$(HERALD_URL="$base" HERALD_API_KEY="$key" "$herald" status --json "$id") || smoke_fail "herald status $id failed"
  [ "$(smoke_json id <<<"$got")" = "$id" ] || smoke_fail "herald status $id does not show it: $got"

  # smoke_expect has said why when it fails.
  sent=$(smoke_expect 202 POST "$base/api/v1/notifications" "$key" '{"event_type": "release.smoke", "recipient_id": "release-user", "data": {"via": "curl"}}') || exit 1
  id=$(smoke_json id <<<"$sent")
  [[ $id == ntf_* ]] || smoke_fail "POST /api/v1/notifications: no notification id in $sent"
  got=$(smoke_expect 200 GET "$base/api/v1/notifications/$id" "$key" "") || exit 1
  [ "$(smoke_json id <<<"$got")" = "$id" ] || smoke_fail "GET /api/v1/notifications/$id does not show it: $got"

  echo "release: herald-server $version ran with no .NET on PATH (ready in ${ready_in} s), the herald tool $version installed from artifacts/packages; a notification sent with each (herald, curl) was accepted and is listed"
)

# smoke_expect STATUS METHOD URL KEY BODY: the request, failing unless it answers STATUS; prints the answer's body.
smoke_expect() {
  local status=$1 method=$2 url=$3 key=$4 body=$5 answer code
  local args=(-sS -X "$method" -o "$dir/answer" -w '%{http_code}' -H 'content-type: application/json')
  [ -z "$key" ] || args+=(-H "Authorization: Bearer $key")
  [ -z "$body" ] || args+=(-d "$body")
  code=$(curl "${args[@]}" "$url") || smoke_fail "$method $url: no answer"
  answer=$(cat "$dir/answer")
  [ "$code" = "$status" ] || smoke_fail "$method $url answered $code, expected $status: $answer"
  printf '%s' "$answer"
}

# smoke_json FIELD: one top-level field of the JSON document on standard input.
smoke_json() {
  /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}

# smoke_wait_ready BASE: waits (60 s at most) for /readyz to answer 200, failing early if the server exits.
smoke_wait_ready() {
  local deadline=$((SECONDS + 60))
  until curl -sf -o /dev/null "$1/readyz"; do
    kill -0 "$smoke_pid" 2>/dev/null || smoke_fail "herald-server exited before it was ready"
    [ "$SECONDS" -lt "$deadline" ] || smoke_fail "herald-server was not ready within 60 s"
    sleep 0.5
  done
}

# smoke_no_sdk_runtime PID: fails if the process mapped a file of the SDK's installation (its shared runtime).
smoke_no_sdk_runtime() {
  local sdk
  sdk=$(dirname "$(readlink -f "$(command -v dotnet)")")
  ! grep -q -F "$sdk/" "/proc/$1/maps" || smoke_fail "herald-server loaded files from $sdk: $(grep -F "$sdk/" "/proc/$1/maps" | head -n 1)"
}

smoke_fail() {
  echo "release: FAILED: $*" >&2
  if [ -s "$dir/server.log" ]; then
    echo "-- herald-server's last output:" >&2
    tail -n 10 "$dir/server.log" >&2
  fi
  exit 1
}

# smoke_stop DIR: stops the server (TERM, then KILL after 20 s).
smoke_stop() { stop_pid "${smoke_pid:-}"; }
