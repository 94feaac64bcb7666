#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: initdb in a temp dir, a free port on
# loopback, DATABASE_URL exported, the cluster stopped and removed afterwards whatever happens.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ]; then
  "$(dirname "$0")/system-deps.sh"
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi
tmp=$(mktemp -d /tmp/learningcity-pg.XXXXXX)
run_as=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root; the cluster belongs to the postgres (or nobody) user.
  pguser=postgres; id postgres >/dev/null 2>&1 || pguser=nobody
  chown "$pguser" "$tmp"
  run_as=(runuser -u "$pguser" --)
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"${run_as[@]}" "$bindir/initdb" -D "$tmp/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -o \
  "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres learningcity
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/learningcity"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port"
"$@"
