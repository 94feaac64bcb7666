#!/usr/bin/env bash
# Installs what the test suite drives for real: Chromium (browser tests), PostgreSQL (the second
# database run) and gettext (message catalogues). Does nothing when they are already there.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v msgfmt >/dev/null || need+=(gettext)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${need[*]}. Install them (apt-get install ${need[*]}) and rerun." >&2
  exit 1
fi
echo "Installing ${need[*]} with apt-get..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
