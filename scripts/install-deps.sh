#!/usr/bin/env bash
# Installs what aepg needs to build, test and run its demo, when it is missing. Idempotent:
# a second run installs nothing. Needs root or sudo only when something is missing.
set -euo pipefail

packages=(libpq-dev libopenblas-dev pkg-config postgresql)
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

if ! command -v swift >/dev/null 2>&1; then
    echo "error: a Swift 6 toolchain is needed (https://www.swift.org/install/linux/); put swift on PATH and rerun" >&2
    exit 1
fi
