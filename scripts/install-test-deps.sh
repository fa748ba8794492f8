#!/usr/bin/env bash
# What the browser tests (tests/VmLab.Web.Tests) need beyond the .NET SDK: Debian's chromium, which Playwright
# drives through ExecutablePath=/usr/bin/chromium (Playwright cannot download its own browsers here).
# Safe to run again: it installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "install-test-deps: installing chromium (for the browser tests)"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-test-deps: /usr/bin/chromium is still missing" >&2; exit 1; }
