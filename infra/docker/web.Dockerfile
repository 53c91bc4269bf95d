# Web image: Node + pnpm (pinned by apps/web/package.json's packageManager, via
# corepack) + a pnpm store pre-filled from the lock file. The source is
# bind-mounted at /app at run time and node_modules is the web_node_modules
# volume, so the build context (apps/web, filtered by apps/web/.dockerignore)
# holds only package.json and pnpm-lock.yaml.
ARG NODE_IMAGE=node:22-bookworm
FROM ${NODE_IMAGE}

ARG COREPACK_VERSION=0.34.0
ENV NEXT_TELEMETRY_DISABLED=1 \
    COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt

# Extra CA certificates for TLS-intercepting proxies: PEM text in EXTRA_CA_CERTS
# (a build arg, since the engine's builtin BuildKit lacks additional contexts).
# Not secret, so a layer is fine; empty changes nothing.
ARG EXTRA_CA_CERTS=
RUN if [ -n "${EXTRA_CA_CERTS}" ]; then \
      printf '%s\n' "${EXTRA_CA_CERTS}" > /usr/local/share/ca-certificates/extra-ca.crt && update-ca-certificates; \
    fi

# A recent corepack: the one bundled with older Node releases carries outdated
# registry keys and refuses current pnpm releases.
RUN if [ "$(corepack --version 2>/dev/null)" != "${COREPACK_VERSION}" ]; then \
      npm install -g "corepack@${COREPACK_VERSION}"; \
    fi \
    && corepack enable

WORKDIR /app
COPY package.json pnpm-lock.yaml ./
# package.json pins pnpm by sha512 ("packageManager": "pnpm@X+sha512.H"): corepack
# then checks that hash instead of the registry's signatures, which mirrors may strip.
# COREPACK_INTEGRITY_KEYS=0 is only needed if the pin is removed; corepack treats an
# *empty* value as "skip checks" too, so it is exported only when really set.
ARG COREPACK_INTEGRITY_KEYS=
RUN if [ -z "${COREPACK_INTEGRITY_KEYS}" ]; then unset COREPACK_INTEGRITY_KEYS; fi \
    && corepack install \
    && pnpm fetch --frozen-lockfile --store-dir /pnpm-store

EXPOSE 3000
# The spec's start-up: install dependencies into the volume (from the baked
# store; a no-op when nothing changed), then the Next dev server. The store path is
# explicit in both commands: by default pnpm ignores a store on another filesystem
# than the project's and creates /app/.pnpm-store instead, i.e. in the host's
# source tree (the bind mount), downloading everything again at each cold start.
CMD ["sh", "-c", "pnpm install --frozen-lockfile --prefer-offline --store-dir /pnpm-store --config.confirmModulesPurge=false && exec pnpm dev"]
