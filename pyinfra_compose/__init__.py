"""pyinfra operations and facts for Docker Compose projects.

Three layers, never blurred:
- ``project``: a validated, frozen description of one compose project on a target;
- ``commands`` / ``parse`` / ``plan`` / ``health``: pure functions (argv builders,
  output parsers, the decision of what to change, the health verdict);
- ``facts`` / ``operations``: thin pyinfra glue that reads the target and yields
  commands, or a specific noop.
"""

from pyinfra_compose.project import ComposeProject

__all__ = ["ComposeProject"]
