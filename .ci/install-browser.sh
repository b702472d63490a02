#!/bin/sh
# The headless browser the report test draws the HTML report in (report/report.e2e.test.ts):
# Debian's chromium, driven by playwright-core (an npm dev dependency, no browser download).
set -eu
if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || true)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
/usr/bin/chromium --version
