#!/usr/bin/env bash
# The zh-Hans catalogue must compile, have no untranslated or fuzzy entries, and match its .mo.
set -euo pipefail
po=learningcity/locale/zh_Hans/LC_MESSAGES/django.po
stats=$(msgfmt --check --statistics -o /dev/null "$po" 2>&1)
echo "zh-Hans messages: $stats"
if echo "$stats" | grep -qE "untranslated|fuzzy"; then
  echo "Translate every message in $po (make messages)." >&2
  exit 1
fi
tmp=$(mktemp); msgfmt -o "$tmp" "$po"
if ! cmp -s "$tmp" "${po%.po}.mo"; then
  rm -f "$tmp"; echo "${po%.po}.mo is stale: run 'make messages'." >&2; exit 1
fi
rm -f "$tmp"
