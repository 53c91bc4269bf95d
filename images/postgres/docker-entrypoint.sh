#!/usr/bin/env bash
# Entry point of devstack-local/postgres:17 — same contract as the official
# postgres image for a compose user:
#   POSTGRES_PASSWORD   required (unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER       superuser name (default postgres)
#   POSTGRES_DB         database created on first start (default = user)
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256)
#   *_FILE variants of the above read the value from a file (docker secrets)
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz run once on first start
# The password is never printed and never written to disk outside the cluster:
# it reaches initdb through a pipe (process substitution), not a file.
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR or VAR_FILE (not both)
file_env() {
    local var="$1" fileVar="${1}_FILE" def="${2:-}" val
    if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
        echo >&2 "error: both $var and $fileVar are set (but are exclusive)"; exit 1
    fi
    val="$def"
    if [ "${!var:-}" ]; then val="${!var}"
    elif [ "${!fileVar:-}" ]; then val="$(< "${!fileVar}")"; fi
    export "$var"="$val"
    unset "$fileVar"
}

log() { echo "devstack-postgres: $*"; }

# `docker run IMAGE -c foo=bar` => postgres -c foo=bar
if [ "${1:0:1}" = '-' ]; then
    set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
    exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"

# as root: prepare directories, then re-exec as postgres (keeps PID 1)
if [ "$(id -u)" = '0' ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chmod 00700 "$PGDATA" || :
    chmod 03775 /var/run/postgresql || :
    find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' + 2>/dev/null || :
    chown postgres:postgres /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    file_env POSTGRES_PASSWORD
    file_env POSTGRES_USER postgres
    file_env POSTGRES_DB "$POSTGRES_USER"
    file_env POSTGRES_INITDB_ARGS
    : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
        cat >&2 <<'EOM'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.
EOM
        exit 1
    fi

    if [ ! -w "$PGDATA" ]; then
        echo >&2 "error: $PGDATA is not writable by $(id -un) ($(id -u))"; exit 1
    fi

    log "initializing database cluster in $PGDATA (user $POSTGRES_USER, db $POSTGRES_DB)"
    initdb_auth=(--auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD")
    # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list by contract
    if [ -n "$POSTGRES_PASSWORD" ]; then
        initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
            --encoding=UTF8 --locale=C.UTF-8 "${initdb_auth[@]}" -D "$PGDATA" $POSTGRES_INITDB_ARGS
    else
        initdb --username="$POSTGRES_USER" \
            --encoding=UTF8 --locale=C.UTF-8 "${initdb_auth[@]}" -D "$PGDATA" $POSTGRES_INITDB_ARGS
    fi

    # network access: every address, password (scram) unless configured otherwise
    {
        echo
        echo "# devstack-local: connections from anywhere (compose network, published port)"
        echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
    } >> "$PGDATA/pg_hba.conf"
    {
        echo
        echo "# devstack-local"
        echo "listen_addresses = '*'"
    } >> "$PGDATA/postgresql.conf"

    # temporary server on the unix socket only, to create the database
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
    export PGUSER="$POSTGRES_USER" PGHOST=/var/run/postgresql PGPORT=5432
    psql_cmd=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc)

    if [ "$POSTGRES_DB" != 'postgres' ]; then
        # psql variables (:'db' / :"db") quote the name; they work on stdin, not with -c
        exists="$("${psql_cmd[@]}" --dbname postgres --set db="$POSTGRES_DB" -tA <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
        if [ -z "$exists" ]; then
            "${psql_cmd[@]}" --dbname postgres --set db="$POSTGRES_DB" -q <<<'CREATE DATABASE :"db";'
        fi
    fi

    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)     log "running $f"; if [ -x "$f" ]; then "$f"; else . "$f"; fi ;;
            *.sql)    log "running $f"; "${psql_cmd[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
            *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql_cmd[@]}" --dbname "$POSTGRES_DB" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    shopt -u nullglob

    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    unset PGUSER PGHOST PGPORT
    log "init process complete; ready for start up"
else
    log "database directory appears to contain a database; skipping initialization"
fi

exec "$@"
