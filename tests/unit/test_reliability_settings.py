"""The settings of issue 12: rollback and health_grace, validated like every other."""

from __future__ import annotations

import pytest

from pyinfra_compose.errors import SettingsError
from tests.unit.test_devstack import check


def test_defaults_roll_back_and_let_a_ten_second_blip_pass():
    settings = check({})
    assert settings.rollback is True
    assert settings.health_grace >= 10


def test_rollback_false_from_the_command_line():
    assert check({"rollback": "false"}).rollback is False


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rollback": "maybe"}, "rollback = 'maybe' (from --data): must be true or false"),
        ({"health_grace": -1}, "health_grace = -1 (from --data): must be a whole number from 0 to 3600"),
        ({"health_grace": "soon"}, "health_grace = 'soon' (from --data): must be a whole number"),
    ],
)
def test_bad_values_name_the_setting(overrides, message):
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check(overrides)
