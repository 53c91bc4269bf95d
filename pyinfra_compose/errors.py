"""The few exceptions this package raises; each message says what to do next."""

from __future__ import annotations


class ComposeError(Exception):
    """Base class of everything this package raises on purpose."""


class SettingsError(ComposeError):
    """A setting is invalid; raised before anything on the target is touched."""


class ParseError(ComposeError):
    """Output of docker/compose was not what this compose version should print."""


class HealthError(ComposeError):
    """One or more services did not become healthy; the message names them."""
