#!/usr/bin/env bash
# The phlomock action's start step (action.yml), run by the runner with the
# inputs as INPUT_* variables. It leaves the fake running in the background
# and its state in $RUNNER_TEMP/phlomock for action/stop.sh.
set -euo pipefail

fail() { echo "::error title=phlomock::$*"; exit 1; }

api_port=${INPUT_API_PORT:-8080}
admin_port=${INPUT_ADMIN_PORT:-8081}
journal_size=${INPUT_JOURNAL_SIZE:-100000}
for p in api-port:"$api_port" admin-port:"$admin_port" journal-size:"$journal_size"; do
	name=${p%%:*} value=${p#*:}
	[[ $value =~ ^[1-9][0-9]*$ ]] || fail "input $name: \"$value\" is not a positive integer"
done
[ "$api_port" -le 65535 ] && [ "$admin_port" -le 65535 ] || fail "input api-port or admin-port: above 65535"
[ "$api_port" != "$admin_port" ] || fail "inputs api-port and admin-port: both are $api_port; give two ports"
version=${INPUT_VERSION:-}
[[ -z $version || $version == latest || $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
	fail "input version: \"$version\" is not a version (v1.2.3, latest, or empty for the action's own source)"

dir="$RUNNER_TEMP/phlomock"
mkdir -p "$dir/bin"
if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
	fail "phlomock is already running in this job (pid $(cat "$dir/pid")): run action/stop first"
fi
bin="$dir/bin/phlomock"
if [ -z "$version" ]; then
	echo "Building phlomock from the action's source ($GITHUB_ACTION_PATH)"
	(cd "$GITHUB_ACTION_PATH" && CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/phlomock)
else
	echo "Installing phlomock $version"
	GOBIN="$dir/bin" CGO_ENABLED=0 go install "github.com/phlomock/phlomock/cmd/phlomock@$version"
fi

token=${INPUT_ADMIN_TOKEN:-}
if [ -z "$token" ]; then
	token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
fi
echo "::add-mask::$token"

# Scenario files are read by path, relative to the workspace.
args=(serve --addr "127.0.0.1:$api_port" --admin-addr "127.0.0.1:$admin_port" --journal-size "$journal_size")
cd "${GITHUB_WORKSPACE:-$PWD}"
PHLOMOCK_SCENARIO="${INPUT_SCENARIO:-}" PHLOMOCK_ADMIN_TOKEN="$token" nohup "$bin" "${args[@]}" >"$dir/serve.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/pid"
echo "http://127.0.0.1:$admin_port" >"$dir/admin-url"
printf '%s' "$token" >"$dir/admin-token"

# Ready when /readyz answers; the fake's own message when it exits first.
for _ in $(seq 1 300); do
	if ! kill -0 "$pid" 2>/dev/null; then
		cat "$dir/serve.log"
		rm -f "$dir/pid"
		fail "phlomock exited at start-up: $(tail -n 3 "$dir/serve.log" | tr '\n' ' ')"
	fi
	if "$bin" healthcheck --admin-addr "127.0.0.1:$admin_port" --timeout 1s >/dev/null 2>&1; then
		break
	fi
	sleep 0.1
done
"$bin" healthcheck --admin-addr "127.0.0.1:$admin_port" >/dev/null 2>&1 || { cat "$dir/serve.log"; fail "phlomock is not ready after 30s"; }

auth_id=MAPHLOMOCKDEFAULT001
auth_token=phlomock-default-auth-token
{
	echo "api-url=http://127.0.0.1:$api_port"
	echo "admin-url=http://127.0.0.1:$admin_port"
	echo "auth-id=$auth_id"
	echo "auth-token=$auth_token"
	echo "admin-token=$token"
} >>"$GITHUB_OUTPUT"
{
	echo "PHLORUNNER_URL=http://127.0.0.1:$api_port"
	echo "PHLOMOCK_ADMIN_URL=http://127.0.0.1:$admin_port"
	echo "PHLOMOCK_ADMIN_TOKEN=$token"
} >>"$GITHUB_ENV"
echo "phlomock $("$bin" version | cut -d' ' -f2) is serving on http://127.0.0.1:$api_port (control plane http://127.0.0.1:$admin_port), pid $pid"
