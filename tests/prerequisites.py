"""What the test suite needs on this machine, installed once when missing:
`pyinfra @local tests/prerequisites.py -y` (tests/run.py runs it before pytest).

The Docker engine and compose v2 come from the deploy's own bootstrap; the rest are the
programs the tests run, from Debian's packages. A second run changes nothing.
"""

from devstack import operations as devstack
from devstack.tools import commands_present

# The engine (installed, daemon started with or without systemd) and compose v2.
devstack.docker_present(name="Docker engine and compose v2", install=True)

# command the tests run -> the Debian package that provides it
commands_present(
    name="Programs the tests run",
    commands={
        "ssh": "openssh-client",  # dev box tests: ssh, ssh-keygen
        "ssh-keygen": "openssh-client",
        "busybox": "busybox-static",  # the compose tests' 2 MB image (tests/e2e/make_busybox_image.sh)
        "debootstrap": "debootstrap",  # the Debian stand-in images (images/build.sh)
        "npm": "npm",  # the package.json operator scripts
        "chromium": "chromium",  # the browser test (headless)
    },
)
