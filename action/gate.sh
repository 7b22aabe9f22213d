#!/usr/bin/env bash
# The phlomock stop action's last step: fails the job when the coverage gate
# failed (GATE from action/stop.sh), after the artifact was uploaded.
set -euo pipefail
if [ "${GATE:-}" != pass ]; then
	echo "::error title=phlomock::the coverage gate failed: see coverage.txt in the artifact"
	exit 1
fi
echo "phlomock: the coverage gate is met"
