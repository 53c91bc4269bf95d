#!/bin/sh
# Dev box PID 1 (no systemd): host keys, then dockerd when Docker is installed (the
# bare box gets it from the deploy), then sshd in the foreground.
set -eu
ssh-keygen -A >/dev/null
mkdir -p /run/sshd
if command -v dockerd >/dev/null 2>&1; then
    # `service docker start` fails in a container without CAP_SYS_RESOURCE (ulimit).
    dockerd >/var/log/dockerd.log 2>&1 &
    # sshd answering means Docker answers too, so callers wait for one thing only.
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || echo "devbox: dockerd is not answering, see /var/log/dockerd.log" >&2
fi
exec /usr/sbin/sshd -D -e
