"""What `up` will find once this deploy's earlier operations have uploaded the compose
files and env files: predicted from local files, for the plan shown before anything
runs (`--dry`, or the plan before pyinfra's prompt). Pure: values in, values out.

While pyinfra plans, no operation has run yet, so the target still holds the previous
deploy's compose files and .env, and `config --hash` there says nothing about this
deploy. A `ComposePreview` holds both sides: the target's inputs, read once while the
deploy file loads (before anything runs, with or without -y), and the inputs this deploy
uploads. Per service it names the settings that differ: keys of the compose file's
service whose (uninterpolated) value differs, or whose value refers to an env variable
whose line in the env file differs. Only env digests are compared, never values.

Limits (said, not hidden): several compose files are merged one level deep per service;
changes inside a service's `env_file`, `configs` or `secrets` files are not seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import yaml

from pyinfra_compose.envdiff import EnvDiff, diff_env
from pyinfra_compose.interpolate import variable_names

# Compose leaves these out of a service's config hash, so changing them recreates
# nothing (docker/compose pkg/compose/hash.go, ServiceHash); builds are judged by the
# build digests instead.
NOT_HASHED = ("build", "pull_policy", "scale", "depends_on", "profiles")
PREDICTED = "<changed by this deploy>"  # stands for a config hash only the target can compute


def parse_services(texts: Iterable[str | None]) -> dict[str, dict] | None:
    """Services of compose files, later files overriding earlier keys; None when a file
    is absent or unreadable (the previous state is then not known)."""
    services: dict[str, dict] = {}
    for text in texts:
        if text is None:
            return None
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            return None
        if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
            return None
        for name, service in document["services"].items():
            if isinstance(service, dict):
                services[str(name)] = {**services.get(str(name), {}), **service}
    return services


def active_services(services: Mapping[str, Mapping], profiles: Sequence[str]) -> list[str]:
    """Services compose starts with these profiles: those without profiles, or sharing one."""
    return sorted(name for name, s in services.items() if not s.get("profiles") or set(s["profiles"]) & set(profiles))


def references(node: object) -> set[str]:
    """Names of the variables a value interpolates (`$$` is an escape, not a variable)."""
    if isinstance(node, str):
        return variable_names(node)
    if isinstance(node, Mapping):
        return set().union(*(references(value) for value in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(references(item) for item in node)) if node else set()
    return set()


def _as_mapping(value: object) -> object:
    """`environment`/`labels` may be lists of "KEY=value": compare them key by key."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {item.partition("=")[0]: item.partition("=")[2] if "=" in item else None for item in value}
    return value


def _hashed_part(service: Mapping) -> dict:
    """The keys of a service that go into its config hash."""
    part = {key: value for key, value in service.items() if key not in NOT_HASHED}
    if isinstance(part.get("deploy"), Mapping):
        part["deploy"] = {k: v for k, v in part["deploy"].items() if k != "replicas"}
    for key in ("environment", "labels"):
        if key in part:
            part[key] = _as_mapping(part[key])
    return part


def _differs(old: object, new: object, variables: frozenset[str]) -> bool:
    return old != new or bool(references(new) & variables)


def changed_settings(before: Mapping | None, after: Mapping, variables: frozenset[str]) -> tuple[str, ...]:
    """Settings of one service that differ: "ports", "environment.API_KEY", "healthcheck.test".

    + before: the service as the target's compose files have it (None: not there)
    + after: the service as this deploy uploads it
    + variables: env variables whose value this deploy adds, changes or removes
    """
    old_part, new_part = _hashed_part(before or {}), _hashed_part(after)
    names: list[str] = []
    for key in sorted(set(old_part) | set(new_part), key=str):
        old, new = old_part.get(key), new_part.get(key)
        if isinstance(old, Mapping) or isinstance(new, Mapping):
            old_map = old if isinstance(old, Mapping) else {}
            new_map = new if isinstance(new, Mapping) else {}
            subkeys = sorted(set(old_map) | set(new_map), key=str)
            names += [f"{key}.{sub}" for sub in subkeys if _differs(old_map.get(sub), new_map.get(sub), variables)]
        elif _differs(old, new, variables):
            names.append(str(key))
    return tuple(names)


@dataclass(frozen=True)
class Prediction:
    """`up`'s inputs as they will be after the uploads, and why each service changes."""

    desired: dict[str, str]  # active service -> config hash (PREDICTED where this deploy changes it)
    services: tuple[str, ...]  # every service of the compose files to be uploaded
    settings: dict[str, tuple[str, ...]]  # service -> the settings this deploy changes
    reasons: dict[str, str]  # service -> why its config hash will differ from its container's


@dataclass(frozen=True, repr=False)
class ComposePreview:
    """A project's compose inputs on the target now, and as this deploy uploads them.

    + before_texts: the target's compose files, in the project's order (None: absent)
    + after_texts: the compose files this deploy uploads, same order
    + before_env: per env file, the target's KEY -> digest (None: absent)
    + after_env: per env file, KEY -> digest of what this deploy uploads
    """

    before_texts: tuple[str | None, ...]
    after_texts: tuple[str, ...]
    before_env: tuple[Mapping[str, str] | None, ...]
    after_env: tuple[Mapping[str, str], ...]

    def __repr__(self) -> str:
        # pyinfra prints an unnamed operation's arguments: keep that short and value-free.
        return f"ComposePreview({len(self.after_texts)} compose file(s), {len(self.after_env)} env file(s))"

    def env_diff(self) -> EnvDiff:
        diffs = [diff_env(before, after) for before, after in zip(self.before_env, self.after_env)]
        return EnvDiff(
            added=tuple(sorted({k for d in diffs for k in d.added})),
            changed=tuple(sorted({k for d in diffs for k in d.changed})),
            removed=tuple(sorted({k for d in diffs for k in d.removed})),
            other_lines=sum(d.other_lines for d in diffs),
        )

    def settings(self) -> dict[str, tuple[str, ...]]:
        """Service -> the settings this deploy changes, for services already on the target."""
        after = parse_services(self.after_texts) or {}
        before = parse_services(self.before_texts) or {}
        variables = self.env_diff().keys
        return {name: changed_settings(before[name], service, variables) for name, service in after.items() if name in before}

    def predict(self, profiles: Sequence[str], current: Mapping[str, str] | None) -> Prediction:
        """What `up` will compare with the containers once the files are uploaded.

        + profiles: the project's active profiles
        + current: service -> config hash the target computes from its files now (None:
          not asked, as no container exists, or no compose file there)
        """
        after = parse_services(self.after_texts) or {}
        before = parse_services(self.before_texts)
        settings = self.settings()
        desired, reasons = {}, {}
        for name in active_services(after, profiles):
            desired[name] = PREDICTED
            if before is None:
                reasons[name] = "config hash not known before the compose file is uploaded"
            elif name not in before:
                reasons[name] = "service is new in the compose file"
            elif settings[name]:
                reasons[name] = f"config changed: {', '.join(settings[name])}"
            elif current is not None and name in current:
                # This deploy leaves the service as it is: the target's own hash is the truth.
                desired[name] = current[name]
                reasons[name] = "config hash differs from the target's compose files (changed outside this deploy)"
            else:
                reasons[name] = "config hash not known: the target's compose files do not configure it"
        return Prediction(desired=desired, services=tuple(sorted(after)), settings=settings, reasons=reasons)
