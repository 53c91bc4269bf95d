"""deploy.py and down.py over real SSH, into dev boxes with their own Docker engine
(issue 5). A box is a container with sshd (tests/e2e/devbox.py); the SSH user `dev` is
not root: it has passwordless sudo and, on a warm box, the docker group.
"""

from __future__ import annotations

import re
import shlex
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.secrets import WELL_KNOWN
from tests.e2e.browser import assert_healthy, browser_health, printed_tunnel, relocate_tunnel
from tests.e2e.devbox import BARE_IMAGE, DevBox, DevBoxes
from tests.e2e.helpers import PYINFRA, REPO, assert_no_change, http_get, read_env_file, run, wait_for

SERVICES = {"postgres", "redis", "api", "web"}
STACK_PORTS = (8000, 3000, 5432, 6379)  # group_data/all.py defaults, published on the box's loopback
# Remote commands of a no-op deploy (issue 5: 9; with issue 13's batched reads: 2, the
# home/registry probe and the batch). A rise means a new fact outside the batch
# (devstack/reads.py) or a lost noop: see the command list the failure prints.
NOOP_COMMAND_BUDGET = 2


def pyinfra(argv: list[str], check: bool = True) -> subprocess.CompletedProcess:
    # stdin closed: a password prompt (sudo, an SSH key) fails at once instead of hanging.
    return run(argv, check=check, cwd=REPO, stderr_into_stdout=True, timeout=1800, stdin=subprocess.DEVNULL)


def deploy(box: DevBox, *extra: str, check: bool = True) -> subprocess.CompletedProcess:
    return pyinfra(box.pyinfra_argv("deploy.py", "-y", *extra), check=check)


def health(box: DevBox) -> dict[str, str]:
    """service -> health of the box's `infra` project, asked over SSH as `dev` (docker group)."""
    out = box.ssh("docker compose -p infra ps --all --format '{{.Service}} {{.Health}}'").stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if line.strip())


def remote_commands(output: str, host: str) -> list[str]:
    """The commands pyinfra ran on the host (each shown as `[host] >>> ...` at -vv)."""
    return [line.split(">>> ", 1)[1] for line in output.splitlines() if line.startswith(f"[{host}] >>> ")]


def secrets_of(box: DevBox) -> dict[str, str]:
    """The secrets deploy.py generated for the box, on this machine (devstack/secrets.py)."""
    return {key: value.strip("'") for key, value in read_env_file(REPO / "secrets" / f"{box.name}.env").items()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=3):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def box(devboxes: DevBoxes, warm_images) -> Iterator[DevBox]:
    started = time.monotonic()
    warm = devboxes.start("warm", preload=warm_images)
    print(f"\nwarm box up (ssh answering, images loaded) in {time.monotonic() - started:.0f}s")
    yield warm
    devboxes.remove(warm)


@pytest.fixture(scope="module")
def deployed(box: DevBox) -> subprocess.CompletedProcess:
    started = time.monotonic()
    result = deploy(box)
    print(f"\ndeploy to the warm box: {time.monotonic() - started:.0f}s")
    return result


def test_all_four_services_are_healthy_inside_the_box(deployed, box):
    assert health(box) == {service: "healthy" for service in SERVICES}


def test_api_answers_here_through_an_ssh_tunnel(deployed, box):
    local = free_port()  # never 8000: this machine's own stack may hold it
    tunnel = box.tunnel(local, 8000)
    try:
        status, body = wait_for(lambda: _get(f"http://127.0.0.1:{local}/health"), 30, what="the tunnelled API")
        assert status == 200 and '"status":"ok"' in body
    finally:
        tunnel.terminate()
        tunnel.wait(timeout=10)


def _get(url: str) -> tuple[int, str] | None:
    try:
        return http_get(url)
    except OSError:
        return None  # the tunnel is not listening yet


def test_nothing_answers_on_the_box_non_loopback_address(deployed, box):
    address = box.bridge_ip()
    assert answers(address, 22), "control: sshd on the same address must answer, or this test proves nothing"
    assert [port for port in STACK_PORTS if answers(address, port)] == []
    # Inside the box too: every listener on a stack port is bound to loopback.
    listeners = box.ssh("ss -Hltn").stdout.split()
    bound = [word for word in listeners if re.fullmatch(r".*:(8000|3000|5432|6379)", word)]
    assert bound and all(word.startswith(("127.0.0.1:", "[::1]:")) for word in bound), bound


def test_env_file_is_private_and_owned_by_the_ssh_user(deployed, box):
    assert box.exec("stat", "-c", "%a %U", "/home/dev/devstack/.env").stdout.split() == ["600", "dev"]


def test_secrets_are_generated_per_host_and_are_not_well_known(deployed, box):
    local = REPO / "secrets" / f"{box.name}.env"
    assert stat.S_IMODE(local.stat().st_mode) == 0o600
    ours = secrets_of(box)
    remote = box.exec("cat", "/home/dev/devstack/.env").stdout
    for key in ("POSTGRES_PASSWORD", "PGADMIN_DEFAULT_PASSWORD"):
        assert ours[key] not in WELL_KNOWN and len(ours[key]) >= 24
        assert ours[key] in remote, f"{key} on the box is not the one in {local}"


def test_deploy_prints_the_ssh_tunnel_line(deployed, box):
    forwards = "-L 8000:127.0.0.1:8000 -L 3000:127.0.0.1:3000 -L 5432:127.0.0.1:5432 -L 6379:127.0.0.1:6379"
    line = f"ssh -N {forwards} -p {box.port} -i {box.key}"
    assert line in deployed.stdout, deployed.stdout[-2000:]
    assert f"{box.user}@{box.hostname}" in deployed.stdout


def test_the_browser_sees_the_box_api_health_through_the_printed_tunnel(deployed, box):
    """The printed `ssh -N -L` line, run here: the page at localhost:3000 and its fetch of
    localhost:8000 reach the box. This machine's own stack may hold its ports, so the
    forwards listen on free ports and chromium maps the page's URLs there (same origin,
    so the box's CORS answer is the one a user gets)."""
    argv, rules = relocate_tunnel(printed_tunnel(deployed.stdout), {port: free_port() for port in STACK_PORTS})
    tunnel = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        page = browser_health("http://localhost:3000/", "devbox-tunnel", resolver_rules=rules)
        assert_healthy(page)
    finally:
        tunnel.terminate()
        _, stderr = tunnel.communicate(timeout=10)
    assert "Address already in use" not in stderr, stderr


def test_second_deploy_changes_nothing_and_runs_few_commands(deployed, box):
    result = deploy(box, "-vv")
    assert_no_change(result.stdout, operations=deployed.stdout.count("--> Starting operation:"))
    commands = remote_commands(result.stdout, box.name)
    listing = "\n".join(f"  {i}. {c[:160]}" for i, c in enumerate(commands, 1))
    print(f"\nno-op deploy: {len(commands)} remote commands\n{listing}")
    assert 0 < len(commands) <= NOOP_COMMAND_BUDGET, f"{len(commands)} remote commands:\n{listing}"


def test_dry_run_on_the_box_reports_drift_and_touches_nothing(deployed, box):
    ids = box.ssh("docker ps -aq --no-trunc | sort").stdout
    clean = pyinfra(box.pyinfra_argv("deploy.py", "--dry", "--data", "drift_exit_code=true"))
    assert "Dry run: no drift" in clean.stdout, clean.stdout[-2000:]
    changed = pyinfra(box.pyinfra_argv("deploy.py", "--dry", "--data", "drift_exit_code=true",
                                       "--data", 'ports={"api": 18000}'), check=False)
    assert changed.returncode == 3, changed.stdout[-3000:]
    assert "recreate api: config changed" in changed.stdout and "recreate web: config changed" in changed.stdout
    assert "recreate postgres" not in changed.stdout
    assert box.ssh("docker ps -aq --no-trunc | sort").stdout == ids


def test_host_key_is_accepted_on_first_contact_only(deployed, box, tmp_path: Path):
    """pyinfra's default (`accept-new`): an unknown box is pinned, a changed key refused."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    data = {**box.host_data(), "ssh_known_hosts_file": str(known_hosts)}
    del data["ssh_strict_host_key_checking"]  # the default, as a user runs it
    argv = [*PYINFRA, box.name, "deploy.py", "--dry", *[a for k, v in data.items() for a in ("--data", f"{k}={v}")]]
    first = pyinfra(argv)
    assert f"[{box.hostname}]:{box.port}" in known_hosts.read_text(), first.stdout[-2000:]

    impostor = tmp_path / "impostor"
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(impostor)])
    algorithm, blob = impostor.with_suffix(".pub").read_text().split()[:2]
    known_hosts.write_text(f"[{box.hostname}]:{box.port} {algorithm} {blob}\n")
    refused = pyinfra(argv, check=False)
    assert refused.returncode != 0, refused.stdout[-2000:]
    assert "Starting operation" not in refused.stdout


def test_no_secret_in_any_output_process_list_or_shell_history(deployed, box):
    """A changing deploy at -vvv, a dry run with --diff, one with --json: the secrets appear
    in none of them, nor in the box's process list sampled meanwhile, nor in a history."""
    secrets = [value for value in secrets_of(box).values() if value]
    assert secrets
    sampler = "while :; do ps -eo args >>/tmp/ps-samples; sleep 0.2; done"
    box.exec("sh", "-c", f"rm -f /tmp/ps-samples; nohup sh -c '{sampler}' >/dev/null 2>&1 &")
    outputs = []
    try:
        outputs.append(deploy(box, "-vvv", "--data", 'ports={"api": 18000}').stdout)  # recreates api and web
        outputs.append(pyinfra(box.pyinfra_argv("deploy.py", "--dry", "--diff", "-vvv")).stdout)
        outputs.append(pyinfra(box.pyinfra_argv("deploy.py", "--dry", "--json")).stdout)
        outputs.append(deploy(box, "-vvv").stdout)  # and back
    finally:
        box.exec("pkill", "-f", "ps-samples", check=False)
    samples = box.exec("cat", "/tmp/ps-samples").stdout
    histories = box.exec("sh", "-c", "cat /root/.*history /home/dev/.*history 2>/dev/null; true").stdout
    assert "recreate api" in outputs[0] and samples.count("\n") > 10
    for where, text in [("-vvv", outputs[0]), ("--dry --diff -vvv", outputs[1]), ("--json", outputs[2]),
                        ("-vvv back", outputs[3]), ("process list", samples), ("shell history", histories)]:
        for secret in secrets:
            assert secret not in text, f"a secret value appears in {where}"
    assert health(box) == {service: "healthy" for service in SERVICES}


def test_down_over_ssh_stops_the_stack_and_keeps_the_data(deployed, box):
    pyinfra(box.pyinfra_argv("down.py", "-y"))
    assert box.ssh("docker ps -aq --filter label=com.docker.compose.project=infra").stdout.strip() == ""
    assert box.ssh("docker volume ls -q --filter label=com.docker.compose.project=infra").stdout.strip() != ""


def box_psql(box: DevBox, sql: str) -> str:
    return box.ssh(f"docker compose -p infra exec -T postgres psql -U app -d app -tAc {shlex.quote(sql)}").stdout.strip()


def test_on_a_box_a_lost_secrets_file_keeps_the_rows_and_a_purge_backs_up_to_this_machine(deployed, box, tmp_path: Path):
    """Issue 11 over SSH: a regenerated password is rotated in the box's database (rows
    kept, no secret in output or the box's process list); a purge first takes a verified
    backup onto the controller, never only onto the box; restore.py brings it back."""
    deploy(box)  # test_down_over_ssh left the stack stopped (data kept)
    box_psql(box, "CREATE TABLE kept_rows (v text); INSERT INTO kept_rows VALUES ('a'), ('b'), ('c');")
    secrets_path = REPO / "secrets" / f"{box.name}.env"
    old = secrets_of(box)["POSTGRES_PASSWORD"]
    secrets_path.unlink()
    sampler = "while :; do ps -eo args >>/tmp/ps-samples-11; sleep 0.1; done"
    box.exec("sh", "-c", f"rm -f /tmp/ps-samples-11; nohup sh -c '{sampler}' >/dev/null 2>&1 &")
    try:
        rotated = deploy(box, "-vvv")
    finally:
        box.exec("pkill", "-f", "ps-samples-11", check=False)
    new = secrets_of(box)["POSTGRES_PASSWORD"]
    samples = box.exec("cat", "/tmp/ps-samples-11").stdout
    assert new != old and "rotate POSTGRES_PASSWORD of role app" in rotated.stdout, rotated.stdout[-3000:]
    assert health(box) == {service: "healthy" for service in SERVICES}
    assert box_psql(box, "SELECT count(*) FROM kept_rows") == "3"
    for secret in (old, new):
        assert secret not in rotated.stdout and secret not in samples
    assert samples.count("\n") > 10

    where = ["--data", f"backup_dir={tmp_path}"]
    pyinfra(box.pyinfra_argv("down.py", "--data", "purge=true", *where, "-y"))
    assert box.ssh("docker volume ls -q --filter label=com.docker.compose.project=infra").stdout.strip() == ""
    (dump,) = (tmp_path / box.name / "infra").glob("*.dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600 and dump.stat().st_size > 0
    deploy(box)  # a fresh, empty database
    pyinfra(box.pyinfra_argv("restore.py", *where, "-y"))
    assert box_psql(box, "SELECT count(*) FROM kept_rows") == "3"
    assert health(box) == {service: "healthy" for service in SERVICES}


def test_unresolvable_host_name_stops_before_any_host():
    """pyinfra 3.10 alone reads a name that neither resolves nor is an ~/.ssh/config alias as
    "no inventory" (zero hosts, exit 0); config.py stops it first, naming it (issue 17)."""
    result = pyinfra([*PYINFRA, "no-such-devbox.invalid", "deploy.py", "-y"], check=False)
    assert result.returncode == 2, result.stdout
    assert "no-such-devbox.invalid: not a host" in result.stdout
    assert "is neither an inventory file" not in result.stdout  # stopped before pyinfra read the inventory
    assert "Connecting to hosts" not in result.stdout and "Starting operation" not in result.stdout


def test_unresolvable_host_in_an_inventory_file_fails(tmp_path: Path):
    inventory = tmp_path / "inventory_unresolvable.py"
    inventory.write_text('e2e_devboxes = ["no-such-devbox.invalid"]\n')
    result = pyinfra([*PYINFRA, str(inventory), "deploy.py", "-y"], check=False)
    assert result.returncode != 0
    assert "Could not resolve hostname" in result.stdout


def test_sudo_that_wants_a_password_fails_with_advice(devboxes):
    box = devboxes.start("sudo-password", image=BARE_IMAGE)
    try:
        box.exec("sh", "-c", "echo 'dev ALL=(ALL) ALL' >/etc/sudoers.d/dev")
        result = deploy(box, check=False)
        assert result.returncode != 0
        assert "installing Docker needs root, and dev has no passwordless sudo" in result.stdout, result.stdout[-2000:]
        assert "sudo password:" not in result.stdout  # never pyinfra's interactive prompt
    finally:
        devboxes.remove(box)


def test_bare_box_gets_docker_installed_and_a_healthy_stack(devboxes):
    """No Docker at all: the deploy installs it (sudo), joins `dev` to the docker group and
    builds the stand-ins on the box (debootstrap) and the app images: the slow, honest path."""
    box = devboxes.start("bare", image=BARE_IMAGE)
    try:
        assert box.ssh("command -v docker", check=False).returncode != 0
        # A dry run first: the whole first deploy as a plan, and the box left as it was.
        dry = pyinfra(box.pyinfra_argv("deploy.py", "--dry"))
        for line in ("build api: image missing", "create postgres: container missing", ".env: create"):
            assert line in dry.stdout, dry.stdout[-3000:]
        assert box.ssh("command -v docker; ls ~/devstack 2>/dev/null", check=False).stdout.strip() == ""
        started = time.monotonic()
        result = deploy(box)
        print(f"\ndeploy to the bare box: {time.monotonic() - started:.0f}s")
        assert health(box) == {service: "healthy" for service in SERVICES}
        assert "docker" in box.ssh("id -Gn").stdout.split()
        # Debian 13 packages compose v2: installed from there, nothing uploaded.
        assert "compose v2: the distribution's package" in result.stdout, result.stdout[-3000:]
        assert box.ssh("docker compose version --short").stdout.strip().startswith("2.")
    finally:
        devboxes.remove(box)


def test_two_boxes_in_one_run_are_both_healthy(devboxes, warm_images):
    boxes = [devboxes.start(label, preload=warm_images) for label in ("pair-a", "pair-b")]
    try:
        inventory = devboxes.inventory(boxes)
        result = pyinfra([*PYINFRA, str(inventory), "deploy.py", "-y"])
        for box in boxes:
            assert f"[{box.name}] Success" in result.stdout
            assert health(box) == {service: "healthy" for service in SERVICES}
        passwords = {secrets_of(b)["POSTGRES_PASSWORD"] for b in boxes}
        assert len(passwords) == 2, "each host gets its own generated secrets"
    finally:
        for box in boxes:
            devboxes.remove(box)
