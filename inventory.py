"""Targets. `pyinfra @local deploy.py` needs no inventory; this file groups hosts for
`pyinfra inventory.py deploy.py --limit devboxes` and carries per-host data.

devbox.example must resolve (an ~/.ssh/config Host alias works; see README).
"""

local = ["@local"]

devboxes = [
    "devbox.example",
]
