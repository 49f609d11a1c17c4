#!/usr/bin/env bash
# Installs what aepg needs to build, test and run its demo, when it is missing. Idempotent:
# a second run installs nothing. Needs root or sudo only when something is missing.
# With --tests, also what only the test suite needs (Chromium, to render `aepg report`).
set -euo pipefail

packages=(libpq-dev libopenblas-dev pkg-config postgresql)
[ "${1:-}" = "--tests" ] && packages+=(chromium fonts-dejavu-core)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done

if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pg_cron for the scheduling tests, when the distribution has it for this server. Where it has
# it, a failed install is an error (the test would otherwise not run); where it has not, the
# scheduling test says so and skips.
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
if [ -n "$major" ] && ! dpkg-query -W -f='${Status}' "postgresql-$major-cron" 2>/dev/null | grep -q "install ok installed"; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if apt-cache show "postgresql-$major-cron" >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "postgresql-$major-cron" >/dev/null
    else
        echo "note: this distribution has no postgresql-$major-cron; the pg_cron test will be skipped"
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "error: a Swift 6 toolchain is needed (https://www.swift.org/install/linux/); put swift on PATH and rerun" >&2
    exit 1
fi
