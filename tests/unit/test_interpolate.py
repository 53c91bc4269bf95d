"""interpolate.py: compose's variable syntax, resolved locally."""

from __future__ import annotations

import pytest

from pyinfra_compose.errors import SettingsError
from pyinfra_compose.interpolate import interpolate, interpolate_tree

ENV = {"A": "a", "EMPTY": "", "B": "b"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${A}", "a"),
        ("$A", "a"),
        ("x-${A}-$B-y", "x-a-b-y"),
        ("${UNSET}", ""),
        ("$UNSET", ""),
        # ":-": default when unset or empty; "-": only when unset
        ("${A:-d}", "a"),
        ("${UNSET:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${A-d}", "a"),
        ("${UNSET-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${UNSET:-}", ""),
        ("${UNSET:-a default with spaces}", "a default with spaces"),
        # ":+": alternative when set and non-empty; "+": when set
        ("${A:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${UNSET+alt}", ""),
        # "?" / ":?" pass through a set value
        ("${A:?must be set}", "a"),
        ("${EMPTY?must be set}", ""),
        # "$$" is a literal "$"
        ("$$", "$"),
        ("$${A}", "${A}"),
        ("$$A", "$A"),
        ("echo $$HOME && ${A}", "echo $HOME && a"),
        # defaults nest, and are themselves interpolated
        ("${UNSET:-${B}}", "b"),
        ("${UNSET:-${ALSO_UNSET:-deep}}", "deep"),
        ("${UNSET:-x${B}y}-z", "xby-z"),
        ("${A:-${B}}", "a"),
        ("${UNSET:-$B}", "b"),
        ("${UNSET:-$${B}}", "${B}"),
        # not variables: kept as written
        ("no variables", "no variables"),
        ("$1", "$1"),
        ("${A", "${A"),
        ("cost: 5$", "cost: 5$"),
    ],
)
def test_interpolate(text, expected):
    assert interpolate(text, ENV) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${UNSET:?set UNSET in .env}", "UNSET: set UNSET in .env"),
        ("${EMPTY:?EMPTY must not be empty}", "EMPTY: EMPTY must not be empty"),
        ("${UNSET?}", "UNSET: required variable is not set"),
        ("${UNSET:-${OTHER:?no default for OTHER}}", "OTHER: no default for OTHER"),
    ],
)
def test_required_variable_raises_with_its_message(text, message):
    with pytest.raises(SettingsError) as error:
        interpolate(text, ENV)
    assert str(error.value) == message


def test_interpolate_tree():
    tree = {"services": {"api": {"image": "reg/${A}:${TAG:-1}", "ports": ["${B}:80", 8080], "tty": True}}}
    assert interpolate_tree(tree, ENV) == {
        "services": {"api": {"image": "reg/a:1", "ports": ["b:80", 8080], "tty": True}}
    }
