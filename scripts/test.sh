#!/usr/bin/env bash
# The test command (`make test`): installs what is missing, starts a throwaway PostgreSQL,
# runs the whole test suite against it, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
# The report test renders in a real browser; here it must, not skip.
export AEPG_REQUIRE_CHROMIUM=1
# Database tests must run here, not skip; so must the pg_cron test, unless this distribution has
# no pg_cron package (install-deps installs it wherever there is one, or fails).
export AEPG_REQUIRE_DB=1
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
if ! dpkg-query -W -f='${Status}' "postgresql-$major-cron" 2>/dev/null | grep -q "install ok installed"; then
    export AEPG_PG_CRON_UNAVAILABLE=1
fi
source scripts/pg-throwaway.sh

dir=$(mktemp -d /tmp/aepg-test.XXXXXX)
cleanup() { pg_throwaway_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
pg_throwaway_start "$dir"
echo "throwaway PostgreSQL on $dir (port 54329)"

swift build --build-tests
# The extension test needs aepg's files in the server's extension folder: as root it writes them
# itself; otherwise they are put there now, with sudo.
if [ "$(id -u)" -ne 0 ]; then
    ext="$(psql "$AEPG_TEST_DB" -Atc "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")/extension"
    .build/debug/aepg extension --out "$dir/extension" >/dev/null
    sudo install -m 644 "$dir"/extension/* "$ext/"
    sudo install -m 644 Tests/Fixtures/schema-0.2.0.sql "$ext/aepg--0.2.0.sql"
fi
swift test --skip-build --disable-swift-testing "$@"
