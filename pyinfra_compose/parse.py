"""Parsers of docker/compose output into plain values. Pure: text in, values out."""

from __future__ import annotations

import json
from dataclasses import dataclass

from pyinfra_compose.errors import ParseError

CONFIG_HASH_LABEL = "com.docker.compose.config-hash"
IMAGE_LABEL = "com.docker.compose.image"
ONEOFF_LABEL = "com.docker.compose.oneoff"


@dataclass(frozen=True)
class Container:
    """One container of a compose project, as `docker compose ps` reports it."""

    service: str
    container_id: str
    name: str
    state: str  # created, running, restarting, paused, exited, dead, ...
    health: str  # "" (no healthcheck), starting, healthy, unhealthy
    exit_code: int
    config_hash: str
    image_id: str  # the image the container was created from (compose's label)
    # Has a healthcheck or a restart-always policy: meant to keep running, so exiting,
    # even with status 0, is a failure; otherwise an exit 0 is a one-shot job done.
    long_running: bool = False

    @property
    def running(self) -> bool:
        return self.state == "running"


def parse_json_records(text: str) -> list[dict]:
    """Compose prints JSON lines (>= 2.21) or one JSON array (older); accept both."""
    text = text.strip()
    if not text:
        return []
    try:
        if text.startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as error:
        raise ParseError(f"expected JSON from `docker compose ps`, got: {text[:200]!r} ({error})") from None
    if not all(isinstance(record, dict) for record in records):
        raise ParseError(f"expected JSON objects from `docker compose ps`, got: {text[:200]!r}")
    return records


def parse_labels(labels: str | dict | None) -> dict[str, str]:
    """`ps` gives labels as one "k=v,k=v" string; values may themselves contain commas
    (compose's depends_on label does), so a piece without "=" belongs to the previous value."""
    if isinstance(labels, dict):
        return {str(k): str(v) for k, v in labels.items()}
    parsed: dict[str, str] = {}
    last_key = None
    for piece in (labels or "").split(","):
        key, sep, value = piece.partition("=")
        if sep and key and " " not in key:
            parsed[key] = value
            last_key = key
        elif last_key is not None:
            parsed[last_key] += "," + piece
    return parsed


def parse_ps(text: str) -> list[Container]:
    """Containers of `docker compose ps --all --format json`, one-off `run` containers left out."""
    containers = []
    for record in parse_json_records(text):
        labels = parse_labels(record.get("Labels"))
        if labels.get(ONEOFF_LABEL, "False").lower() == "true":
            continue
        try:
            containers.append(
                Container(
                    service=record["Service"],
                    container_id=record["ID"],
                    name=record.get("Name", ""),
                    state=str(record.get("State", "")).lower(),
                    health=str(record.get("Health", "")).lower(),
                    exit_code=int(record.get("ExitCode") or 0),
                    config_hash=labels.get(CONFIG_HASH_LABEL, ""),
                    image_id=labels.get(IMAGE_LABEL, ""),
                )
            )
        except (KeyError, ValueError) as error:
            raise ParseError(f"unexpected `docker compose ps` record {record!r}: {error}") from None
    return sorted(containers, key=lambda c: (c.service, c.name))


def parse_long_running(text: str) -> set[str]:
    """Ids of the containers meant to keep running, from lines `<id> <healthcheck test kind> <restart policy>`
    (`docker inspect --format`, see commands.run_traits)."""
    ids = set()
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        kinds = set(fields[1:])
        if kinds & {"CMD", "CMD-SHELL", "always", "unless-stopped"}:
            ids.add(fields[0])
    return ids


def parse_config_hashes(text: str) -> dict[str, str]:
    """`docker compose config --hash '*'` prints "service hash" per line."""
    hashes = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ParseError(f"unexpected line from `docker compose config --hash`: {line!r}")
        hashes[parts[0]] = parts[1]
    return hashes
