# API image: Python + Poetry + the app's locked dependencies. The source itself is
# bind-mounted at /app at run time (see docker-compose.yml), so the build context
# (apps/api, filtered by apps/api/.dockerignore) holds only pyproject.toml and
# poetry.lock: editing code never rebuilds this image.
ARG PYTHON_IMAGE=python:3.13-slim
FROM ${PYTHON_IMAGE}

ARG POETRY_VERSION=2.2.1
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_CREATE=false \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/opt/poetry/bin:$PATH \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt

# Extra CA certificates for TLS-intercepting proxies: PEM text in EXTRA_CA_CERTS
# (a build arg, since the engine's builtin BuildKit lacks additional contexts).
# Not secret, so a layer is fine; empty changes nothing.
ARG EXTRA_CA_CERTS=
RUN if [ -n "${EXTRA_CA_CERTS}" ]; then \
      printf '%s\n' "${EXTRA_CA_CERTS}" > /usr/local/share/ca-certificates/extra-ca.crt && update-ca-certificates; \
    fi

# Poetry lives in its own venv so syncing the app's dependencies can never remove
# Poetry's; an image that already ships this version (the offline stand-in) skips it.
RUN --mount=type=cache,target=/root/.cache/pip \
    if [ "$(/opt/poetry/bin/poetry --version 2>/dev/null)" != "Poetry (version ${POETRY_VERSION})" ]; then \
      python -m venv /opt/poetry && /opt/poetry/bin/pip install "poetry==${POETRY_VERSION}"; \
    fi \
    && python -m venv /opt/venv

WORKDIR /app
COPY pyproject.toml poetry.lock ./
# --compile: bytecode for every dependency, written once here. PYTHONDONTWRITEBYTECODE
# (no .pyc in the bind-mounted source) would otherwise make each `--reload` restart
# compile FastAPI, pydantic & co. from source again: seconds per edit instead of ~0.5 s.
RUN --mount=type=cache,target=/root/.cache/pypoetry poetry install --no-root --compile

EXPOSE 8000
# The spec's start-up: sync dependencies (a no-op unless the lock file changed
# since the build), then Uvicorn with reload on the bind-mounted source.
CMD ["sh", "-c", "poetry install --no-root --compile && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --reload"]
