"""The first step of every deploy: validate everything, decide everything, touch nothing."""

from __future__ import annotations

import sys
from typing import NoReturn

from pyinfra import logger

from pyinfra_compose.errors import SettingsError

from devstack import facts, hostdata, stack
from devstack.settings import Settings
from devstack.secrets import load_secrets, secrets_file


def choose_images(host, mode: str, target: facts.Target) -> dict[str, str]:
    """official / local / auto (official when the target's engine reaches the registry)."""
    if mode == "official":
        return dict(stack.OFFICIAL_IMAGES)
    if mode == "local":
        return dict(stack.LOCAL_IMAGES)
    if target.registry_answers:
        logger.info(f"{host.print_prefix}images: official (the registry answers)")
        return dict(stack.OFFICIAL_IMAGES)
    logger.info(f"{host.print_prefix}images: local stand-ins (the registry does not answer; see images/README.md)")
    return dict(stack.LOCAL_IMAGES)


def settings_or_exit(host, inventory) -> Settings:
    """Validated settings, or a one-line error naming the setting and its source (exit 2)."""
    try:
        return hostdata.load(host, inventory)
    except SettingsError as error:
        _exit(host, error)


def stop_before_touching(host, error: Exception) -> NoReturn:
    """The playbooks' way to stop on a bad setting or secret: one line, exit status 2."""
    _exit(host, error)


def _exit(host, error: Exception) -> NoReturn:
    # A clean message, not a traceback: the user's fix is in the message.
    logger.error(f"{host.print_prefix}stopped before touching the target: {error}")
    sys.exit(2)


def prepare(host, inventory) -> stack.Stack:
    """Validated settings and secrets, the chosen images, the rendered .env and build digests.

    A bad setting stops the deploy here, with the setting and its source named, before
    any operation exists (so nothing on the target is touched).
    """
    settings = settings_or_exit(host, inventory)
    try:
        remote = hostdata.is_remote(host)
        secrets = load_secrets(secrets_file(stack.REPO, host.name, remote), remote)
        probe = stack.OFFICIAL_IMAGES["POSTGRES_IMAGE"] if settings.images == "auto" else None
        target = host.get_fact(facts.TargetBasics, image=probe)
        root = stack.project_root(settings.project_dir, target.home)
        return stack.decide(settings, secrets, choose_images(host, settings.images, target), root)
    except SettingsError as error:
        _exit(host, error)
