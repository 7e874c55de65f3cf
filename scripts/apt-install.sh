#!/usr/bin/env bash
# Installs Debian packages the tests need (chromium for the browser tests, bubblewrap for the grading
# sandbox, postgresql for the tests on a PostgreSQL gradebook), as root or with sudo when available.
# Usage: scripts/apt-install.sh PACKAGE...
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "missing Debian packages ($*) and this user cannot install them: run 'apt-get install -y $*' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q "$@"
