#!/usr/bin/env bash
# Runs the built Azure Functions app (src/FlowLogs.Functions) for real, without Core Tools: the repository's test host
# plays the Functions host over the worker protocol (gRPC), starts Azurite from package-lock.json (in memory, free
# loopback ports, --disableTelemetry) and a loopback Sekoia intake, lets the simulator write flow logs as Azure does,
# announces every commit to the blob trigger as Event Grid would, runs the replay timer once, and prints what the
# worker logged and what the intake received. Needs only the .NET 10 SDK and Node.js 20+.
# Settings (environment): NICS (2), MINUTES (3), APP (a published app folder; default: the app as built here).
set -euo pipefail
cd "$(dirname "$0")/.."
NICS=${NICS:-2}
MINUTES=${MINUTES:-3}

echo "== building the Functions app and the test host"
mkdir -p local-run
dotnet build tests/FlowLogs.WorkerHost -c Release --nologo -v quiet > local-run/functions-build.log 2>&1 || { cat local-run/functions-build.log; exit 1; }

echo "== running it"
args=(run --nics "$NICS" --minutes "$MINUTES")
if [ -n "${APP:-}" ]; then
  args+=(--app "$APP")
fi
exec dotnet tests/FlowLogs.WorkerHost/bin/Release/net10.0/FlowLogs.WorkerHost.dll "${args[@]}"
