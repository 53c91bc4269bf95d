"""The one exception this package raises on purpose; its message says what to fix."""

from __future__ import annotations


class SyncError(Exception):
    """Bad sync arguments (raised before the target is touched) or unreadable target output."""
