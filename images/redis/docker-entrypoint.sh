#!/bin/sh
# Entry point of devstack-local/redis (same contract as the official redis image).
set -e

# first arg is `-f` / `--some-option` or a *.conf file: run redis-server with it
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
    set -- redis-server "$@"
fi

# as root: own the data dir, then drop to the redis user (exec keeps PID 1)
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
    find . \! -user redis -exec chown redis '{}' + 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

# like the official image: protected mode off unless the caller decides
if [ "$1" = 'redis-server' ]; then
    case " $* " in
        *" --protected-mode "*) ;;
        *) set -- "$@" --protected-mode no ;;
    esac
fi

exec "$@"
