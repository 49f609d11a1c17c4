#!/usr/bin/env bash
# A throwaway PostgreSQL for tests and benchmarks: `source` this file, then
#   pg_throwaway_start DIR    # initdb into DIR, start on a unix socket in DIR; sets AEPG_TEST_DB
#   pg_throwaway_stop DIR     # stop it (the caller removes DIR)
# As root the server runs as the postgres system user, which PostgreSQL requires.

pg_bin() {
    if [ -n "${AEPG_PG_BIN:-}" ]; then echo "$AEPG_PG_BIN"; return; fi
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_server_user() {
    if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_throwaway_start() {
    local dir=$1 bin
    bin=$(pg_bin)
    [ -x "$bin/initdb" ] || { echo "error: no PostgreSQL server binaries found (apt-get install postgresql)" >&2; return 1; }
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_server_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; return 1; }
    local options="-c listen_addresses='' -p 54329 -k $dir -c fsync=off -c synchronous_commit=off -c max_connections=100"
    # pg_cron, when installed (without background workers its jobs cannot reach a socket-only server).
    if [ -f "$bin/../lib/pg_cron.so" ]; then
        options="$options -c shared_preload_libraries=pg_cron -c cron.database_name=postgres -c cron.use_background_workers=on"
    fi
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$options" \
        start >/dev/null || { cat "$dir/postgres.log" >&2; return 1; }
    export AEPG_TEST_DB="host=$dir port=54329 user=postgres dbname=postgres"
    export AEPG_PG_BIN="$bin"
}

pg_throwaway_stop() {
    local dir=$1
    [ -d "$dir/data" ] && as_server_user "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# pg_throwaway_session NAME: a throwaway PostgreSQL for the rest of the calling script, in a new
# /tmp/aepg-NAME.XXXXXX folder ($AEPG_SESSION_DIR, also free for the script's own files),
# stopped and removed on exit. Sets $db to its connection string and quiets NOTICEs.
pg_throwaway_session() {
    AEPG_SESSION_DIR=$(mktemp -d "/tmp/aepg-$1.XXXXXX")
    chmod 755 "$AEPG_SESSION_DIR"
    trap 'pg_throwaway_stop "$AEPG_SESSION_DIR/pg"; rm -rf "$AEPG_SESSION_DIR"' EXIT
    pg_throwaway_start "$AEPG_SESSION_DIR/pg"
    db="$AEPG_TEST_DB"
    export PGOPTIONS="-c client_min_messages=warning"
}
