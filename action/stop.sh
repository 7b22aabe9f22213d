#!/usr/bin/env bash
# The phlomock stop action's first step (action/stop/action.yml): saves the
# journal and the reports into $RUNNER_TEMP/phlomock/artifact, stops the
# fake, and gives the coverage gate's verdict as the output gate (pass or
# fail) for action/gate.sh, so that the artifact is uploaded first.
set -uo pipefail

dir="$RUNNER_TEMP/phlomock"
out="$dir/artifact"
bin="$dir/bin/phlomock"
mkdir -p "$out"
echo "dir=$out" >>"$GITHUB_OUTPUT"
if [ ! -f "$dir/pid" ]; then
	echo "::error title=phlomock::no phlomock was started in this job (run the phlomock action first)"
	echo "gate=fail" >>"$GITHUB_OUTPUT"
	exit 1
fi
pid=$(cat "$dir/pid")
admin=$(cat "$dir/admin-url")
token=$(cat "$dir/admin-token")

gate=pass
args=(coverage --target "$admin" --admin-token "$token" --save-journal "$out/journal.jsonl"
	--html "$out/coverage.html" --junit "$out/coverage.xml")
[ -z "${INPUT_MIN_COVERAGE:-}" ] || args+=(--min "$INPUT_MIN_COVERAGE")
while IFS= read -r item; do
	item=$(echo "$item" | xargs)
	[ -z "$item" ] || args+=(--require "$item")
done <<<"${INPUT_REQUIRE:-}"
"$bin" "${args[@]}" | tee "$out/coverage.txt"
case ${PIPESTATUS[0]} in
0) ;;
1) gate=fail ;;
*) echo "::error title=phlomock::phlomock coverage could not run (above)"; gate=fail ;;
esac
if [ -s "$out/journal.jsonl" ]; then
	"$bin" pact export --journal "$out/journal.jsonl" --consumer "${INPUT_CONSUMER:-phlorunner-client}" --out "$out/pact.json" ||
		echo "::warning title=phlomock::the pact export failed (above)"
fi

# SIGTERM: the fake drains and exits 0; its log goes with the artifact.
kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$pid" 2>/dev/null; then
	echo "::warning title=phlomock::still running 10s after SIGTERM: killed"
	kill -KILL "$pid" 2>/dev/null || true
fi
rm -f "$dir/pid"
cp "$dir/serve.log" "$out/serve.log"
echo "gate=$gate" >>"$GITHUB_OUTPUT"
echo "phlomock stopped; saved $(cd "$out" && ls | tr '\n' ' ')"
