#!/usr/bin/env bash
# What the tests need beyond the .NET SDK and gcc: Debian's chromium for the browser tests (tests/VmLab.Web.Tests),
# which Playwright drives through ExecutablePath=/usr/bin/chromium (Playwright cannot download its own browsers
# here), and for the grader's tests (tests/VmLab.Labs.Tests) bubblewrap, which sandboxes each graded test, and
# binutils (nm, objdump), with which the grader reads a C library's imports and its signal handler's calls.
# Safe to run again: it installs only what is missing. Needs root (or sudo) for apt-get.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/bwrap ] || missing+=(bubblewrap)
command -v objdump >/dev/null 2>&1 && command -v nm >/dev/null 2>&1 || missing+=(binutils)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-test-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] || { echo "install-test-deps: /usr/bin/chromium is still missing" >&2; exit 1; }
[ -x /usr/bin/bwrap ] || { echo "install-test-deps: /usr/bin/bwrap is still missing" >&2; exit 1; }
