#!/usr/bin/env bash
# Runs every bench/*.py (or bench/$1.py); each prints its figures and, last, one JSON object.
set -euo pipefail
only="${1:-}"
status=0
for script in bench/*.py; do
  name=$(basename "$script" .py)
  [ -n "$only" ] && [ "$name" != "$only" ] && continue
  echo "== bench/$name"
  .venv/bin/python "$script" || status=1
done
exit $status
