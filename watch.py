"""The remote inner loop: `pyinfra devbox.example watch.py -y` (or `pyinfra @local watch.py -y`).

First the normal deploy (deploy.py itself, so a stale target converges), then it stays and
puts every local edit of the trees deploy.py uploads onto the target, over the same
connection: bind-mounted source is synced only (uvicorn and Next reload it), a Dockerfile
or lock file rebuilds exactly its service and waits for its health, a compose file runs
the compose plan. Ctrl-C ends it.
"""

from pyinfra import host
from pyinfra_cli.util import exec_file

from devstack import watching
from devstack.stack import REPO

# 1-8. The deploy, as `pyinfra ... deploy.py` runs it; its `stack` is what the watch pushes to.
with host.deploy("deploy.py", None, None, in_deploy=False):
    deployed = exec_file(str(REPO / "deploy.py"), return_locals=True)

# 9. Stay: push each change set, act on what it means, one line per sync.
watching.watch(
    name="Watch the trees and push each edit",
    stack=deployed["stack"],
    health_timeout=deployed["settings"].health_timeout,
)
