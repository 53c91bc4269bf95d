"""status.py's look at one host: two remote commands, nothing run that changes anything.

1. home directory, Docker and compose versions, free space under Docker's data root;
2. everything deploy.py's own planners read -- the synced trees' hashes, the .env's mode,
   checksum and salted key digests, the compose file, the containers, their config
   hashes, restart counts and ports, the built images' records, the stand-in images,
   the deploy record and the free space under project_dir -- batched
   (pyinfra_batch/) into one command.

The same planners as deploy.py's dry run then say what a deploy would change (facts in,
plan out): pyinfra_sync.plan_sync, envdiff.diff_env, ComposePreview.predict + plan_up.
Nothing is written, not even here: a missing secrets file is reported, not generated.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from dotenv import dotenv_values

from pyinfra_batch import FactBatch, Part, PartError
from pyinfra_compose.envdiff import SALT, diff_env, env_digests
from pyinfra_compose.errors import SettingsError
from pyinfra_compose.facts import ComposeBuildState, ComposeContainers, ComposeDesiredConfig, ComposeInputs, DockerPresence
from pyinfra_compose.plan import plan_up
from pyinfra_compose.preview import ComposePreview, active_services, parse_services
from pyinfra_compose.runtime import ComposeRuntime
from pyinfra_sync.facts import TreeManifest
from pyinfra_sync.manifest import local_manifest
from pyinfra_sync.plan import plan_sync

from devstack import fleet, hostdata, record, stack
from devstack.facts import FileStates, MissingImages, Target, TargetBasics
from devstack.fleet_facts import DeployRecord, DockerRootFree, FreeDisk
from devstack.secrets import SECRET_KEYS, secrets_file

COMMANDS = 2  # remote commands per reachable host (the table and --json say it too)
IMAGE_MODES = {"official": stack.OFFICIAL_IMAGES, "local": stack.LOCAL_IMAGES}


@lru_cache(maxsize=1)
def _local_files():
    return local_manifest(str(stack.REPO), stack.TREES, stack.EXCLUDES)


@lru_cache(maxsize=1)
def _compose_text() -> str:
    return stack.COMPOSE_FILE.read_text()


def read_secrets(path) -> tuple[dict[str, str], bool]:
    """The host's secrets as deploy.py would use them, and whether any is missing (a deploy
    would generate it; status writes nothing, so it only says so)."""
    values = {k: v for k, v in dotenv_values(path).items() if v} if path.exists() else {}
    # A stand-in for a missing one, only to render the .env (compose requires the key);
    # the .env line then reads "a deploy generates new secrets".
    return {key: values.get(key, "not-generated-yet") for key in SECRET_KEYS}, any(key not in values for key in SECRET_KEYS)


def chosen_mode(setting: str, target_env: dict[str, str] | None, stacks: dict, stand_ins_present: bool) -> str:
    """The images a deploy would use. "auto" asks the registry (up to 15 s per host): status
    instead takes what the target's .env uses now, else the stand-ins when they are there."""
    if setting != "auto":
        return setting
    for mode, decided in stacks.items():
        if target_env and target_env.get("POSTGRES_IMAGE") == env_digests(decided.env_text).get("POSTGRES_IMAGE"):
            return mode
    return "local" if stand_ins_present else "official"


def docker_problem(presence) -> str:
    if not presence.client:
        return "not installed"
    if not presence.compose_v2:
        return f"compose v2 missing (found {presence.compose or 'none'})"
    if not presence.server:
        return f"daemon not answering: {presence.server_error or 'no answer'}"
    return ""


def look(host, inventory) -> fleet.HostStatus:
    try:
        settings = hostdata.load(host, inventory)
    except SettingsError as error:
        return fleet.HostStatus(host.name, error=f"invalid settings: {error}")
    first = host.get_fact(FactBatch, parts=(Part("home", TargetBasics), Part("docker", DockerPresence), Part("free", DockerRootFree)))
    presence, target = first.get("docker"), first.get("home")
    root = stack.project_root(settings.project_dir, target.home if isinstance(target, Target) else "")
    secrets, secrets_missing = read_secrets(secrets_file(stack.REPO, host.name, hostdata.is_remote(host)))
    modes = ("official", "local") if settings.images == "auto" else (settings.images,)
    try:
        stacks = {mode: stack.decide(settings, secrets, dict(IMAGE_MODES[mode]), root) for mode in modes}
    except SettingsError as error:
        return fleet.HostStatus(host.name, error=f"invalid settings: {error}")
    project = next(iter(stacks.values())).project
    stand_ins = sorted(stack.stand_ins(dict(stack.LOCAL_IMAGES), settings.profiles))  # those a local deploy uses
    parts = (
        Part("files", TreeManifest, {"root": root, "trees": stack.TREES, "excludes": stack.EXCLUDES}),
        Part("env", FileStates, {"path": f"{root}/.env"}),
        Part("inputs", ComposeInputs, {"compose_paths": tuple(project.path(f) for f in project.files),
                                       "env_paths": tuple(project.path(f) for f in project.env_files), "salt": SALT}),
        Part("containers", ComposeContainers, {"project_name": project.project_name}),
        Part("desired", ComposeDesiredConfig, {"project": project}),
        Part("runtime", ComposeRuntime, {"project_name": project.project_name}),
        Part("missing", MissingImages, {"images": tuple(stand_ins)}),
        *(Part(f"builds_{mode}", ComposeBuildState, {"builds": decided.builds}) for mode, decided in stacks.items()),
        Part("record", DeployRecord, {"path": record.path(root)}),
        Part("free", FreeDisk, {"path": root}),
    )
    got = host.get_fact(FactBatch, parts=parts)
    broken = [f"unknown: {value.message}" for value in list(first.values()) + list(got.values()) if isinstance(value, PartError)]
    if broken or presence is None:
        return fleet.HostStatus(host.name, drift=tuple(broken) or ("unknown: no answer about docker",), commands=COMMANDS)

    inputs, containers = got["inputs"], got["containers"] or []
    target_env = inputs.env_digests[0] if inputs.env_digests else None
    stand_ins_present = bool(stand_ins) and not got["missing"]
    mode = chosen_mode(settings.images, target_env, stacks, stand_ins_present)
    decided = stacks[mode]
    wanted_env = env_digests(decided.env_text)

    sync = plan_sync(_local_files(), got["files"].files, stack.TREES, stack.EXCLUDES)
    env_state, env, env_mode = got["env"], None, None
    if env_state is None or env_state.sha256 != hashlib.sha256(decided.env_text.encode()).hexdigest():
        env = diff_env(target_env if env_state is not None else None, wanted_env)
    elif env_state.mode != "600":
        env_mode = env_state.mode
    preview = ComposePreview(inputs.compose_texts, (_compose_text(),), inputs.env_digests, (wanted_env,))
    desired = got["desired"]
    prediction = preview.predict(settings.profiles, desired.hashes if desired and containers else None)
    plan = plan_up(prediction.desired, prediction.services, containers, got[f"builds_{mode}"],
                   prediction.settings, prediction.reasons)
    drift = fleet.drift_lines(
        sync, env, env_mode, plan,
        missing_images=[image for image in got["missing"] if image in decided.stand_ins],
        docker_problem=docker_problem(presence),
        secrets_missing=secrets_missing,
    )
    if env is not None and env.is_empty and not secrets_missing:
        drift += (".env: only comments or blank lines differ",)
    active = active_services(parse_services([_compose_text()]) or {}, settings.profiles)
    return fleet.HostStatus(
        host=host.name,
        docker=presence.server,
        compose=presence.compose,
        free_project=got["free"],
        free_docker=first.get("free"),
        deployed=got["record"],
        services=fleet.services_of(active, containers, got["runtime"] or {}),
        drift=drift,
        commands=COMMANDS,
    )
