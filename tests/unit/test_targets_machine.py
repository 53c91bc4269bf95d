"""The real answers of devstack/targets.py: SSH config files read as pyinfra's SSH connector
reads them (its SSHConfig: paramiko's Host/Match rules and tokens, plus Include), the
resolver and module imports.

What is supported is what that reader supports: `Host` with several names, `*`/`?`
wildcards and `!` negation, `Match host/originalhost/user`, `%h`-style tokens in HostName,
`Key value` and `Key=value`, comments, and `Include` (globs; a relative path is taken
from the including file's directory, ~ expanded). The user's file is ~/.ssh/config; a
--data ssh_config_file replaces it (the connector then reads only that one).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.targets import DEFAULT_SSH_CONFIG, is_module, machine, resolves, ssh_config_hostname


def config(tmp_path: Path, text: str, name: str = "config") -> str:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_a_host_alias_gives_its_hostname(tmp_path):
    cfg = config(tmp_path, "Host devbox.example\n    HostName 203.0.113.10\n    User dev\n    Port 22\n")
    assert ssh_config_hostname("devbox.example", cfg) == "203.0.113.10"


def test_other_names_get_themselves_back(tmp_path):
    """paramiko's answer for a name no Host entry gives a HostName: the name (not an alias)."""
    cfg = config(tmp_path, "Host devbox.example\n    HostName 203.0.113.10\nHost typo-box\n    User dev\n")
    assert ssh_config_hostname("devbox.exmple", cfg) == "devbox.exmple"
    assert ssh_config_hostname("typo-box", cfg) == "typo-box"


def test_a_host_line_with_several_names(tmp_path):
    cfg = config(tmp_path, "Host box-a box-b\tbox-c\n  HostName 10.0.0.7\n")
    assert [ssh_config_hostname(n, cfg) for n in ("box-a", "box-b", "box-c", "box-d")] == ["10.0.0.7"] * 3 + ["box-d"]


def test_wildcards_and_tokens(tmp_path):
    cfg = config(tmp_path, "Host *.lab\n  HostName %h.internal.example\nHost b?x\n  HostName 10.0.0.8\n")
    assert ssh_config_hostname("web.lab", cfg) == "web.lab.internal.example"
    assert ssh_config_hostname("box", cfg) == "10.0.0.8"
    assert ssh_config_hostname("booox", cfg) == "booox"


def test_a_catch_all_without_hostname_makes_no_alias(tmp_path):
    """`Host *` with a User for every host is common: it must not make every typo a host."""
    cfg = config(tmp_path, "Host *\n  User dev\n  IdentityFile ~/.ssh/id_ed25519\n")
    assert ssh_config_hostname("typo-box", cfg) == "typo-box"


def test_negation_excludes_a_name_from_a_pattern(tmp_path):
    cfg = config(tmp_path, "Host *.example !bastion.example\n  HostName 10.0.0.9\n")
    assert ssh_config_hostname("devbox.example", cfg) == "10.0.0.9"
    assert ssh_config_hostname("bastion.example", cfg) == "bastion.example"


def test_first_hostname_wins_as_in_openssh(tmp_path):
    cfg = config(tmp_path, "Host devbox\n  HostName 10.0.0.1\nHost *\n  HostName 10.0.0.2\n")
    assert ssh_config_hostname("devbox", cfg) == "10.0.0.1"


def test_equals_syntax_comments_and_keyword_case(tmp_path):
    cfg = config(tmp_path, "# dev boxes\nHost=devbox  # the team's\n  hostname=10.0.0.3\n")
    assert ssh_config_hostname("devbox", cfg) == "10.0.0.3"


def test_match_host(tmp_path):
    cfg = config(tmp_path, "Match host devbox\n  HostName 10.0.0.4\n")
    assert ssh_config_hostname("devbox", cfg) == "10.0.0.4"


def test_include_relative_to_the_including_file_with_a_glob(tmp_path):
    config(tmp_path, "Host box-1\n  HostName 10.0.1.1\n", "conf.d/one.conf")
    config(tmp_path, "Host box-2\n  HostName 10.0.1.2\n", "conf.d/two.conf")
    cfg = config(tmp_path, "Include conf.d/*.conf\n")
    assert ssh_config_hostname("box-1", cfg) == "10.0.1.1"
    assert ssh_config_hostname("box-2", cfg) == "10.0.1.2"


def test_include_of_an_absolute_path(tmp_path):
    included = config(tmp_path, "Host box-3\n  HostName 10.0.1.3\n", "elsewhere/boxes")
    cfg = config(tmp_path, f"Include {included}\n")
    assert ssh_config_hostname("box-3", cfg) == "10.0.1.3"


def test_no_such_file_is_no_answer(tmp_path):
    assert ssh_config_hostname("devbox", str(tmp_path / "missing")) is None


def test_the_default_is_the_users_ssh_config(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ssh_config_hostname("devbox.example", DEFAULT_SSH_CONFIG) is None  # no ~/.ssh/config yet
    config(tmp_path, "Host devbox.example\n  HostName 203.0.113.10\nInclude ~/.ssh/more\n", ".ssh/config")
    config(tmp_path, "Host box-4\n  HostName 10.0.1.4\n", ".ssh/more")
    assert ssh_config_hostname("devbox.example", DEFAULT_SSH_CONFIG) == "203.0.113.10"
    assert ssh_config_hostname("box-4", DEFAULT_SSH_CONFIG) == "10.0.1.4"


def test_the_check_reads_the_users_ssh_config(tmp_path, monkeypatch):
    """End to end through machine(): devbox.example is a host only by ~/.ssh/config."""
    from devstack.targets import check_target, request_from_argv

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    request = request_from_argv(["devbox.example", "deploy.py"])
    assert not check_target(request, machine()).ok
    config(tmp_path, "Host devbox.example\n  HostName 203.0.113.10\n", ".ssh/config")
    assert check_target(request, machine()).via_ssh_alias


@pytest.mark.parametrize(("name", "answer"), [("localhost", True), ("127.0.0.1", True),
                                              ("no-such-host.invalid", False), ("a..b", False)])
def test_resolves(name, answer):
    assert resolves(name) is answer


@pytest.mark.parametrize(("name", "answer"), [("devstack.targets:check_target", True), ("devstack.targets", True),
                                              ("no_such_module.hosts", False), ("typo-box", False),
                                              ("devbox.exmple", False)])
def test_is_module(name, answer):
    assert is_module(name) is answer
