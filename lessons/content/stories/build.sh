#!/bin/sh
# Render every story illustration NN-slug.svg to NN-slug.png (640x400) with headless Chromium,
# then shrink it to an 8-bit palette PNG with pngquant when it is installed. See README.how.md.
set -eu
cd "$(dirname "$0")"
for svg in [0-9][0-9]-*.svg; do
  png="${svg%.svg}.png"
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
    --hide-scrollbars --window-size=640,400 --screenshot="$PWD/$png" "file://$PWD/$svg" 2>/dev/null
  rm -rf "$profile"
  if command -v pngquant >/dev/null 2>&1; then
    pngquant --force --skip-if-larger --quality=70-95 --output "$png" -- "$png" || true
  fi
  echo "$png $(wc -c <"$png") bytes"
done
