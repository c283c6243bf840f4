#!/bin/sh
# Rebuild every worksheet PDF from its HTML source (see README.how.md).
set -eu
cd "$(dirname "$0")"
for html in *.html; do
  pdf="${html%.html}.pdf"
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --print-to-pdf="$pdf" --no-pdf-header-footer "file://$PWD/$html" 2>/dev/null
  rm -rf "$profile"
  echo "$pdf $(wc -c <"$pdf") bytes, $(pdfinfo "$pdf" | awk '/^Pages:/{print $2}') page(s)"
done
