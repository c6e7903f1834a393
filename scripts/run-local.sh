#!/usr/bin/env bash
# Runs the whole pipeline locally: Azurite from the repository's npm lockfile (free ports, in memory),
# flow logs written by the simulator exactly as Azure writes them, then ingested by the local runner into NDJSON.
# Needs only the .NET 10 SDK and Node.js 20+. Settings: NICS, MINUTES, OUT (environment).
set -euo pipefail
cd "$(dirname "$0")/.."
NICS=${NICS:-3}
MINUTES=${MINUTES:-5}
OUT=${OUT:-local-run}
mkdir -p "$OUT"

if [ ! -x node_modules/.bin/azurite ]; then
  echo "== installing Azurite from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Every Azurite start gets these flags, telemetry off first: nothing leaves the machine, and SIGTERM stops it at once.
# The tests start theirs with AzuriteServer.Flags (tests/FlowLogs.Testing/AzuriteServer.cs); a test checks both.
AZURITE_FLAGS=(--disableTelemetry --skipApiVersionCheck --disableProductStyleUrl)

echo "== starting Azurite (in memory, free loopback ports, telemetry off)"
node_modules/.bin/azurite "${AZURITE_FLAGS[@]}" --inMemoryPersistence \
  --blobHost 127.0.0.1 --blobPort 0 --queueHost 127.0.0.1 --queuePort 0 --tableHost 127.0.0.1 --tablePort 0 \
  > "$OUT/azurite.log" 2>&1 &
AZURITE=$!
stop() { kill "$AZURITE" 2>/dev/null || true; wait "$AZURITE" 2>/dev/null || true; }
trap stop EXIT

for _ in $(seq 1 120); do
  [ "$(grep -c 'successfully listening' "$OUT/azurite.log" || true)" -ge 3 ] && break
  kill -0 "$AZURITE" 2>/dev/null || { cat "$OUT/azurite.log"; echo "Azurite did not start" >&2; exit 1; }
  sleep 0.5
done
port() { sed -n "s/.*Azurite $1 service is successfully listening at http:\/\/127.0.0.1:\([0-9]*\).*/\1/p" "$OUT/azurite.log" | head -1; }
BLOB=$(port Blob); QUEUE=$(port Queue); TABLE=$(port Table)
# Azurite's documented development account (a public, well-known key).
KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STORAGE="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$KEY;BlobEndpoint=http://127.0.0.1:$BLOB/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$QUEUE/devstoreaccount1;TableEndpoint=http://127.0.0.1:$TABLE/devstoreaccount1;"
echo "   blob :$BLOB, queue :$QUEUE, table :$TABLE"

echo "== building the flowlogs command"
dotnet build src/FlowLogs.Cli -c Release --nologo -v quiet > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
flowlogs() { dotnet src/FlowLogs.Cli/bin/Release/net10.0/flowlogs.dll "$@"; }

echo "== simulating $MINUTES minutes of VNet and NSG flow logs for $NICS NICs"
flowlogs simulate --storage "$STORAGE" --nics "$NICS" --minutes "$MINUTES" --kind both

echo "== ingesting into $OUT/events.ndjson (then once more: nothing is read twice)"
rm -f "$OUT/events.ndjson"
flowlogs ingest --storage "$STORAGE" --sink ndjson --output "$OUT/events.ndjson" --once
flowlogs ingest --storage "$STORAGE" --sink ndjson --output "$OUT/events.ndjson" --once

echo "== checking it as a deployment is checked (no intake with the ndjson sink)"
flowlogs check --storage "$STORAGE" --sink ndjson

EVENTS=$(wc -l < "$OUT/events.ndjson")
UNIQUE=$(grep -o '"id":"[0-9a-f]\{32\}"' "$OUT/events.ndjson" | sort -u | wc -l)
echo "== summary: $EVENTS events in $OUT/events.ndjson, $UNIQUE distinct event ids"
echo "   first event:"
head -1 "$OUT/events.ndjson" | cut -c1-400
echo "   ..."
