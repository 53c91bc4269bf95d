"""Dev boxes for the remote end-to-end tests: containers with their own sshd and Docker
engine (images/devbox/), reached over real SSH with a throwaway key.

A box runs with the flags the CI VM allows (no --privileged; see the shared
ENVIRONMENT.md) and a named volume on /var/lib/docker, so the inner engine keeps
overlay2. sshd is published on 127.0.0.1 only, on a port the engine picks (no race
between two boxes or two sessions). Everything a box leaves behind -- container,
volume, key pair, known_hosts, the per-host secrets file the deploy writes -- is
removed by `DevBoxes.close()`.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from devstack import stack
from devstack.settings import Settings, validate
from pyinfra_compose import commands as cmd
from tests.e2e.helpers import LOCAL_IMAGES, PYINFRA, REPO, run

DEVBOX_IMAGE = "devstack-local/devbox:trixie"
BARE_IMAGE = "devstack-local/devbox-bare:trixie"
USER = "dev"
# The run flags that give Docker-in-Docker on the CI VM (--privileged lacks one capability there).
RUN_FLAGS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined",
    "--cgroupns", "host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
]  # fmt: skip
LABEL = "devstack-e2e=devbox"  # `docker ps -a --filter label=devstack-e2e=devbox` finds leftovers
PRELOAD_PROJECT = "devstack-e2e-preload"  # app images built on this engine for warm boxes
STAND_INS = ("POSTGRES_IMAGE", "REDIS_IMAGE", "PYTHON_IMAGE", "NODE_IMAGE")


@dataclass(frozen=True)
class DevBox:
    """One running box: how to reach it over SSH, and how to drive it with pyinfra."""

    name: str  # container name, and the pyinfra host name (so secrets/<name>.env)
    port: int  # sshd, published on 127.0.0.1
    key: Path
    known_hosts: Path
    ssh_config: Path  # empty: a user's ~/.ssh/config must not change what the tests do
    hostname: str = "127.0.0.1"
    user: str = USER

    def host_data(self) -> dict[str, str | int]:
        """pyinfra SSH connector data (the keys of pyinfra.connectors.ssh.ConnectorData)."""
        return {
            "ssh_hostname": self.hostname,
            "ssh_port": self.port,
            "ssh_user": self.user,
            "ssh_key": str(self.key),
            "ssh_known_hosts_file": str(self.known_hosts),
            "ssh_config_file": str(self.ssh_config),
            # known_hosts holds the box's key already: anything else is an error, not a prompt.
            "ssh_strict_host_key_checking": "yes",
        }

    def pyinfra_argv(self, deploy: str, *extra: str) -> list[str]:
        """`pyinfra <name> <deploy> --data ssh_...=...`: this box alone, no inventory file."""
        data = [arg for key, value in self.host_data().items() for arg in ("--data", f"{key}={value}")]
        return [*PYINFRA, self.name, deploy, *data, *extra]

    def ssh_options(self) -> list[str]:
        return [
            "-F", str(self.ssh_config), "-i", str(self.key), "-p", str(self.port),
            "-o", f"UserKnownHostsFile={self.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-o", "ConnectTimeout=5",
        ]  # fmt: skip

    def ssh(self, command: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a shell command on the box as `dev`, over SSH."""
        return run(["ssh", *self.ssh_options(), f"{self.user}@{self.hostname}", command], check=check, timeout=timeout)

    def tunnel(self, local_port: int, remote_port: int) -> subprocess.Popen:
        """`ssh -N -L`: the box's 127.0.0.1:remote_port on this machine's 127.0.0.1:local_port."""
        forward = f"127.0.0.1:{local_port}:127.0.0.1:{remote_port}"
        argv = ["ssh", *self.ssh_options(), "-N", "-o", "ExitOnForwardFailure=yes", "-L", forward]
        return subprocess.Popen([*argv, f"{self.user}@{self.hostname}"], stderr=subprocess.PIPE, text=True)

    def exec(self, *argv: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """`docker exec` as root: looks at the box from outside, without SSH."""
        return run(["docker", "exec", self.name, *argv], check=check, timeout=timeout)

    def bridge_ip(self) -> str:
        """The box's address on this machine's Docker bridge: the box's non-loopback face."""
        template = "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}"
        return run(["docker", "inspect", "--format", template, self.name]).stdout.split()[0]


class DevBoxes:
    """Starts boxes for one test session and removes every trace of them in close()."""

    def __init__(self) -> None:
        self.session = secrets.token_hex(3)  # two sessions on one engine never share names
        self._session_label = f"devstack-e2e-session={self.session}"
        self._secrets_dir_existed = (REPO / "secrets").is_dir()
        self.workdir = Path(tempfile.mkdtemp(prefix="devbox-e2e-"))
        self.key = self.workdir / "id_ed25519"
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "devstack-e2e", "-f", str(self.key)])
        self.ssh_config = self.workdir / "ssh_config"
        self.ssh_config.write_text("")
        self.boxes: list[DevBox] = []

    def start(self, label: str, image: str = DEVBOX_IMAGE, preload: Preload | None = None) -> DevBox:
        """A box answering SSH as `dev` with the session key, its engine holding `preload`'s images."""
        name = f"e2e-devbox-{self.session}-{label}"
        labels = ["--label", LABEL, "--label", self._session_label]  # close() finds a half-started box too
        run(["docker", "volume", "create", *labels, name])
        run(["docker", "run", "-d", "--name", name, "--hostname", label, *labels, *RUN_FLAGS,
             "-v", f"{name}:/var/lib/docker", "-p", "127.0.0.1::22", image])  # fmt: skip
        port = int(run(["docker", "port", name, "22/tcp"]).stdout.split(":")[-1])
        box = DevBox(name, port, self.key, self.workdir / f"known_hosts-{label}", self.ssh_config)
        self.boxes.append(box)
        self._trust(box)
        _wait_for_ssh(box)
        if preload is not None:
            preload.load_into(box)
        return box

    def _trust(self, box: DevBox) -> None:
        """Authorize the session key for `dev`; pin the box's fresh host key in known_hosts."""
        host_key = Path("/etc/ssh/ssh_host_ed25519_key.pub")
        _wait(lambda: box.exec("test", "-s", str(host_key), check=False).returncode == 0, 60, "sshd host keys")
        public = self.key.with_suffix(".pub").read_text()
        script = "umask 077 && cat >>~/.ssh/authorized_keys"
        run(["docker", "exec", "-i", "-u", USER, box.name, "sh", "-c", script], input=public)
        algorithm, blob = box.exec("cat", str(host_key)).stdout.split()[:2]
        box.known_hosts.write_text(f"[{box.hostname}]:{box.port} {algorithm} {blob}\n")

    def inventory(self, boxes: list[DevBox], group: str = "e2e_devboxes") -> Path:
        """A pyinfra inventory file of these boxes (one group), for runs on several at once."""
        path = self.workdir / f"inventory_{'_'.join(b.name.rsplit('-', 1)[-1] for b in boxes)}.py"
        hosts = ",\n".join(f"    ({b.name!r}, {b.host_data()!r})" for b in boxes)
        path.write_text(f"{group} = [\n{hosts},\n]\n")
        return path

    def remove(self, box: DevBox) -> None:
        """The box, its inner engine's volume, and the secrets a deploy generated for it."""
        run(["docker", "rm", "-f", "-v", box.name], check=False)
        run(["docker", "volume", "rm", "-f", box.name], check=False)
        # devstack/secrets.py keeps a remote host's secrets in the repository, git-ignored.
        (REPO / "secrets" / f"{box.name}.env").unlink(missing_ok=True)
        if box in self.boxes:
            self.boxes.remove(box)

    def close(self) -> None:
        for box in list(self.boxes):
            self.remove(box)
        listing = {"container": ["docker", "ps", "-aq"], "volume": ["docker", "volume", "ls", "-q"]}
        for kind, argv in listing.items():
            for leftover in run([*argv, "--filter", f"label={self._session_label}"], check=False).stdout.split():
                run(["docker", kind, "rm", "-f", *(["-v"] if kind == "container" else []), leftover], check=False)
        secrets_dir = REPO / "secrets"
        if not self._secrets_dir_existed and secrets_dir.is_dir() and not any(secrets_dir.iterdir()):
            secrets_dir.rmdir()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"dev box: timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


def _wait_for_ssh(box: DevBox, timeout: float = 120) -> None:
    """The entrypoint starts sshd only once dockerd answers (when installed): one wait covers both."""
    _wait(lambda: box.ssh("true", check=False, timeout=15).returncode == 0, timeout, f"ssh to {box.name}")


@dataclass(frozen=True)
class Preload:
    """Images a warm box gets from this machine's engine, and the tags they need in the box."""

    archive: Path  # `docker save` of the stand-ins and the app images
    tags: tuple[tuple[str, str], ...]  # (image in the archive, tag a deploy looks for)

    def load_into(self, box: DevBox) -> None:
        with self.archive.open("rb") as archive:
            run(["docker", "exec", "-i", box.name, "docker", "load", "--quiet"], stdin=archive, timeout=900)
        for source, target in self.tags:
            box.exec("docker", "tag", source, target)


def box_settings() -> Settings:
    """The settings a deploy to a box uses when given none: group_data/all.py, remote."""
    import runpy

    raw = {k: v for k, v in runpy.run_path(str(REPO / "group_data" / "all.py")).items() if not k.startswith("_")}
    known = {key: raw[key] for key in Settings.__dataclass_fields__}
    return validate(known, lambda key: "group_data/all.py", remote=True)


def warm_preload(workdir: Path) -> Preload:
    """Build the api/web images on this engine exactly as a default deploy to a box would
    (same .env build args, so the same build digests), under a project of our own so the
    `infra` images of other tests are untouched; save them with the stand-ins."""
    placeholders = {"POSTGRES_PASSWORD": "preload-only", "PGADMIN_DEFAULT_PASSWORD": "preload-only"}
    decided = stack.decide(box_settings(), placeholders, dict(LOCAL_IMAGES), f"/home/{USER}/devstack")
    env_file = workdir / "preload.env"
    env_file.write_text(decided.env_text)
    project = stack.REPO / "infra"
    run(["docker", "compose", "--project-directory", str(project), "-p", PRELOAD_PROJECT,
         "-f", str(project / "docker-compose.yml"), "--env-file", str(env_file), "build", *sorted(decided.builds)],
        timeout=1800)  # fmt: skip
    env_file.unlink()  # placeholders only, but an .env is never left lying around
    tags = []
    for service, build in sorted(decided.builds.items()):
        built = f"{PRELOAD_PROJECT}-{service}"
        tags += [(built, build.image), (built, cmd.build_tag(build.image, build.digest))]
    archive = workdir / "warm-images.tar"
    images = [LOCAL_IMAGES[key] for key in STAND_INS] + sorted({source for source, _ in tags})
    # One archive for every warm box: layers the images share are stored once.
    run(["docker", "save", "--output", str(archive), *images], timeout=900)
    return Preload(archive, tuple(tags))
