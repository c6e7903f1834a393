#!/usr/bin/env bash
# Installs the Debian packages CI needs beyond the .NET SDK and Node.js: libfaketime, which runs the flowlogs command
# with a clock that is wrong on purpose (tests/FlowLogs.Tests/Storage/ClockSkewTests.cs; without it those tests are
# ignored, saying so, and CI requires them with FLOWLOGS_REQUIRE_FAKETIME=1), and unzip, with which CI checks the
# package scripts/package.sh writes.
set -euo pipefail
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ -f "$lib" ] && command -v unzip >/dev/null; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi

$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libfaketime unzip >/dev/null
[ -f "$lib" ] || { echo "libfaketime installed, but $lib is missing" >&2; exit 1; }
