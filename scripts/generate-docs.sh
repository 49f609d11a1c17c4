#!/usr/bin/env bash
# Rewrites the README's generated tables (training options, exit statuses) from the code that
# declares them (Sources/AEPG/Model/TrainOptionCatalog.swift, Sources/AEPG/Support/AEPGError.swift).
# DocsTests fails when they are stale.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product aepg
.build/debug/aepg docs README.md
