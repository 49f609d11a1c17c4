#!/usr/bin/env bash
# The test command (`make test`): installs what is missing, starts a throwaway PostgreSQL,
# runs the whole test suite against it, stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
# The report test renders in a real browser; here it must, not skip.
export AEPG_REQUIRE_CHROMIUM=1
# Database tests must run here, not skip; so must the pg_cron test where pg_cron is installed.
export AEPG_REQUIRE_DB=1
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
if dpkg-query -W -f='${Status}' "postgresql-$major-cron" 2>/dev/null | grep -q "install ok installed"; then
    export AEPG_REQUIRE_PG_CRON=1
fi
source scripts/pg-throwaway.sh

dir=$(mktemp -d /tmp/aepg-test.XXXXXX)
cleanup() { pg_throwaway_stop "$dir"; rm -rf "$dir"; }
trap cleanup EXIT
pg_throwaway_start "$dir"
echo "throwaway PostgreSQL on $dir (port 54329)"

swift build --build-tests
swift test --skip-build --disable-swift-testing "$@"
