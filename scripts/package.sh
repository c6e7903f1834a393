#!/usr/bin/env bash
# Builds the deployable package of the Functions app: `dotnet publish src/FlowLogs.Functions -c Release` (ReadyToRun,
# linux-x64, what Flex Consumption runs), checked, and zipped with host.json at the root of the archive, as Flex
# Consumption's one deploy takes it. Deploy it with
#   az functionapp deployment source config-zip -g <resource group> -n <functionAppName> --src <zip>
# Usage: scripts/package.sh [zip]      (default: artifacts/flowlogs-functions.zip)
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/flowlogs-functions.zip}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT

dotnet publish src/FlowLogs.Functions -c Release -o "$publish" --nologo -v quiet

# What the host reads to load the app; a publish without them deploys an app with no function.
for file in FlowLogs.Functions.dll functions.metadata worker.config.json extensions.json host.json; do
  [ -f "$publish/$file" ] || { echo "dotnet publish src/FlowLogs.Functions wrote no $file" >&2; exit 1; }
done
grep -q '"name": ".NETCoreApp,Version=v10.0/linux-x64"' "$publish/FlowLogs.Functions.deps.json" \
  || { echo "src/FlowLogs.Functions was not published for linux-x64 (ReadyToRun)" >&2; exit 1; }
if [ -e "$publish/local.settings.json" ]; then
  echo "the publish output holds local.settings.json (local secrets): not packaged" >&2; exit 1
fi

# The archive's root is the publish folder's content (host.json at the top), not the folder.
rm -f "$out"
if command -v zip >/dev/null; then
  (cd "$publish" && zip -q -r -X "$out" .)
elif command -v python3 >/dev/null; then
  (cd "$publish" && python3 -m zipfile -c "$out" ./*)
else
  echo "scripts/package.sh needs zip or python3 to write $out" >&2; exit 1
fi

echo "$out: $(du -h "$out" | cut -f1), from dotnet publish src/FlowLogs.Functions -c Release (ReadyToRun, linux-x64)"
