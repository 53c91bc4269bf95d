"""Is what a pyinfra command line names a host? Decided before pyinfra reads its inventory.

pyinfra 3.10 takes a single target name that is no file, no module, does not resolve and
is no ~/.ssh/config alias as "no inventory": it warns, runs on zero hosts and exits 0, so
a typo reads as a successful deploy (issue 17). Likewise a `--limit` that matches nothing.

The decisions here are pure: `check_target` gets the command line (a `Request`) and the
machine's answers (`Lookups`), and returns the problems, each naming the name. They follow
pyinfra's own order (pyinfra_cli/inventory.py `make_inventory`): an existing path is an
inventory file; a value with `,` or `@` is a list of hosts and connectors; `--data
ssh_hostname=...` makes any single name a host; then a Python module attribute; then a
name that resolves or is a `Host` alias. `machine()` gives the real answers, reading SSH
configs with pyinfra's own reader (`SSHConfig`: paramiko's `Host`/`Match` rules plus
`Include`), so the check agrees with the connection that follows.
"""

from __future__ import annotations

import fnmatch
import os
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SSH_CONFIG = "~/.ssh/config"  # pyinfra's default, as its SSH connector reads it
HOW_TO_NAME_A_TARGET = (
    "A target is an inventory file (inventory.py), @local or another @connector, a name that "
    "resolves, a Host alias of ~/.ssh/config (or of --data ssh_config_file=FILE), "
    "or any name given --data ssh_hostname=ADDRESS; several: comma-separated."
)


@dataclass(frozen=True)
class Request:
    """What a pyinfra command line asks for, as far as targets go."""

    inventory: str
    limit: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # --data, parsed as pyinfra parses it

    @property
    def ssh_config_file(self) -> str | None:
        value = self.data.get("ssh_config_file")
        return str(value) if value not in (None, "") else None


def request_from_params(params: Mapping[str, Any]) -> Request:
    """From pyinfra's parsed CLI parameters (the click context of `pyinfra_cli.cli.cli`)."""
    from pyinfra_cli.util import parse_cli_arg

    data = {}
    for item in params.get("data") or ():
        if "=" in item:  # pyinfra itself reports a --data without "=" later
            key, value = item.split("=", 1)
            data[key] = parse_cli_arg(value)
    return Request(
        inventory=params.get("inventory") or "",
        limit=tuple(params.get("limit") or ()),
        exclude=tuple(params.get("exclude") or ()),
        data=data,
    )


def request_from_argv(argv: Sequence[str]) -> Request:
    """From a command line (without the program name), parsed by pyinfra's own click command."""
    from pyinfra_cli.cli import cli

    with cli.make_context("pyinfra", list(argv), resilient_parsing=True) as ctx:
        return request_from_params(ctx.params)


@dataclass(frozen=True)
class Lookups:
    """The machine's answers the decision needs (`machine()` gives the real ones)."""

    exists: Callable[[str], bool]  # a path, relative to the working directory
    is_module: Callable[[str], bool]  # `a.module.attr` or `a.module:attr`, as pyinfra imports it
    resolves: Callable[[str], bool]  # by this machine's resolver
    ssh_hostname: Callable[[str, str], str | None]  # (name, SSH config file) -> its HostName there


@dataclass(frozen=True)
class Verdict:
    problems: tuple[str, ...] = ()
    via_ssh_alias: bool = False  # a single name that is a host only as an SSH config Host alias

    @property
    def ok(self) -> bool:
        return not self.problems


def check_target(request: Request, lookups: Lookups) -> Verdict:
    """Can the command line's target be a host? In pyinfra's order of interpretation."""
    target = request.inventory
    problems = _ssh_config_file_problems(request, lookups)
    if not target.strip():
        return Verdict((*problems, "the target is empty"))
    if lookups.exists(target):
        return Verdict(problems)  # an inventory file
    if "," in target or "@" in target:
        # A connector (@local, @docker/...) is pyinfra's to check: it refuses an unknown one.
        names = [name for name in target.split(",") if not name.startswith("@")]
        return Verdict(problems + tuple(why for name in names if (why := _reach(name, request, lookups)[0])))
    if "ssh_hostname" in request.data or lookups.is_module(target):
        return Verdict(problems)
    problem, via_alias = _reach(target, request, lookups, alone=True)
    return Verdict((*problems, problem) if problem else problems, via_ssh_alias=via_alias)


def _ssh_config_file_problems(request: Request, lookups: Lookups) -> tuple[str, ...]:
    path = request.ssh_config_file
    if path is None or lookups.exists(path):
        return ()
    hint = " (pyinfra does not expand ~ here: give the full path)" if path.startswith("~") else ""
    # pyinfra's SSH connector would silently connect without it.
    return (f"--data ssh_config_file={path}: no such file{hint}",)


def _reach(name: str, request: Request, lookups: Lookups, alone: bool = False) -> tuple[str | None, bool]:
    """(why `name` cannot be reached as an SSH host or None, whether only as a Host alias).
    `alone`: the whole target, so pyinfra also looked for a file or module of that name."""
    if not name:
        return "an empty host name in the list (a stray comma?)", False
    if "ssh_hostname" in request.data or lookups.resolves(name):
        return None, False
    config = request.ssh_config_file or DEFAULT_SSH_CONFIG
    hostname = lookups.ssh_hostname(name, config)
    if hostname and hostname != name:
        return None, True
    where = f"{config} (--data ssh_config_file)" if request.ssh_config_file else config
    what = "no inventory file or Python module of that name, it" if alone else "it"
    why = f"{name}: not a host: {what} does not resolve, and no Host entry of {where} gives it a HostName"
    if "@" in name:
        why += f"; pyinfra takes no user@host: name the host and give --data ssh_user={name.split('@', 1)[0]}"
    return why, False


def matching_hosts(pattern: str, groups: Mapping[str, Sequence[str]], hosts: Sequence[str]) -> list[str]:
    """The hosts a --limit/--exclude pattern selects, by pyinfra's rule: a group of that name
    (even an empty one), else host names matching it as a glob."""
    if pattern in groups:
        return list(groups[pattern])
    return [host for host in hosts if fnmatch.fnmatch(host, pattern)]


def check_inventory(request: Request, groups: Mapping[str, Sequence[str]], hosts: Sequence[str]) -> tuple[str, ...]:
    """Problems of the inventory pyinfra built: no host at all, a --limit or --exclude
    pattern that matches nothing, or no host left to run on."""
    if not hosts:
        return (f"{request.inventory} gives no hosts",)
    known = _known_names(groups, hosts)
    problems = []
    for option, patterns in (("--limit", request.limit), ("--exclude", request.exclude)):
        for pattern in patterns:
            if not matching_hosts(pattern, groups, hosts):
                problems.append(f"{option} {pattern}: no group or host of {request.inventory} matches it ({known})")
    if problems:
        return tuple(problems)
    selected = set(hosts)
    if request.limit:
        selected = {host for pattern in request.limit for host in matching_hosts(pattern, groups, hosts)}
    selected -= {host for pattern in request.exclude for host in matching_hosts(pattern, groups, hosts)}
    if not selected:
        return (f"--limit/--exclude leave no host of {request.inventory} to run on ({known})",)
    return ()


def _known_names(groups: Mapping[str, Sequence[str]], hosts: Sequence[str], most: int = 12) -> str:
    def listing(names: list[str]) -> str:
        return ", ".join(names[:most]) + (f", ... ({len(names) - most} more)" if len(names) > most else "")

    non_empty = sorted(name for name, members in groups.items() if members)
    return f"groups: {listing(non_empty) or 'none'}; hosts: {listing(sorted(hosts))}"


# The real answers.


def ssh_config_hostname(name: str, config_file: str) -> str | None:
    """The HostName an SSH config gives `name`, read as pyinfra's SSH connector reads it;
    None without the file. paramiko answers the name itself when no Host entry sets one."""
    from pyinfra.connectors.sshuserclient.config import SSHConfig

    path = Path(os.path.expanduser(config_file)) if config_file == DEFAULT_SSH_CONFIG else Path(config_file)
    if not path.is_file():
        return None
    config = SSHConfig()
    with path.open(encoding="utf-8") as lines:
        config.parse(lines)
    return config.lookup(name).get("hostname")


def resolves(name: str) -> bool:
    try:
        socket.getaddrinfo(name, None)  # as pyinfra checks it (IPv6-only hosts too)
        return True
    except (socket.gaierror, UnicodeError):  # UnicodeError: not a valid DNS name ("a..b")
        return False


def is_module(name: str) -> bool:
    from pyinfra_cli.util import try_import_module_attribute

    return try_import_module_attribute(name, raise_for_none=False) is not None


def machine() -> Lookups:
    return Lookups(exists=lambda path: Path(path).exists(), is_module=is_module, resolves=resolves,
                   ssh_hostname=ssh_config_hostname)
