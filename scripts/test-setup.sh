#!/usr/bin/env bash
# The one set-up step of the test suite, shared by `npm test` (its pretest) and `.ci/run`: installs the
# Debian packages the tests use when they are missing, and starts Redis when nothing answers on
# 127.0.0.1:6379. Idempotent and quick when everything is there. Without root or sudo it stops at
# once and prints the exact command to run.
set -euo pipefail

if [ "${ROADCERT_TEST_SETUP_DONE:-}" = "1" ]; then exit 0; fi

# Debian packages the tests use:
#   chromium + fonts-noto-cjk  browser tests (Chinese glyphs in screenshots)
#   poppler-utils              reading generated PDFs (pdftotext, pdffonts, pdftoppm)
#   zbar-tools                 decoding QR codes on certificates (zbarimg)
#   openssl                    independent signature checks
#   redis-server               the socket.io Redis adapter tests
missing=()
# A CHROMIUM_PATH that names nothing is the user's to fix: installing Debian's chromium at
# /usr/bin would not put a browser where the tests will look.
if [ -n "${CHROMIUM_PATH:-}" ] && [ ! -x "$CHROMIUM_PATH" ]; then
  echo "test set-up: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable browser; fix it or unset it" >&2
  exit 1
fi
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "test set-up: these Debian packages are missing: ${missing[*]}" >&2
    echo "run this once, then npm test again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "test set-up: installing from Debian: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "test set-up: starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
fi
