#!/usr/bin/env bash
# Import a tiny image from the host's static busybox (Debian: busybox-static).
set -euo pipefail
name="$1"
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "busybox not found: apt-get install busybox-static" >&2; exit 1; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in sh sleep true false echo cat touch test rm mkdir ls wget httpd nc date; do
  ln -s busybox "$root/bin/$applet"
done
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - "$name" >/dev/null
