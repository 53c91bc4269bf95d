"""Bring the dev stack up on the target, healthy: `pyinfra @local deploy.py`.

A checklist; each step is a named, idempotent operation (a second run changes nothing).
"""

from pyinfra import host, inventory

from devstack import operations as devstack
from devstack import record
from devstack.database import role_password_args, version_check_args
from devstack.prepare import prepare
from devstack.preflight import preflight
from devstack.reads import deploy_reads
from devstack.hostdata import ssh_tunnel
from devstack.stack import COMPOSE_FILE, EXCLUDES, KEEP, REPO, TREES, extra_ca_pem, urls
from pyinfra_batch import read_facts
from pyinfra_compose import dryrun
from pyinfra_compose import operations as compose
from pyinfra_compose import rollback
from pyinfra_postgres import operations as postgres
from pyinfra_sync.operations import sync_trees

# 1. Validate settings and secrets, choose images, render .env: before touching the target.
stack = prepare(host, inventory)
settings = stack.settings
dryrun.install(drift_exit_code=settings.drift_exit_code)  # --dry: drift verdict, exit 3 on drift if asked
seen = read_facts(host, deploy_reads(stack))  # the target as it is: every read of the plan, one round trip
preflight(host, stack, readings=seen)  # ports free (or ours), daemon, disk for the builds, project_dir writable; --dry too

# 2. Docker engine and compose v2 present, daemon answering.
docker = devstack.docker_present(name="Docker engine and compose v2", install=settings.install_docker, readings=seen)

# 2b. The data volume's Postgres major version is the image's: else stop here, with the steps.
postgres.data_version_fits(name="Postgres data fits the image", **version_check_args(stack, host.name), readings=seen)

# 2c. The healthy state now serving, kept where this deploy changes the stack's definition.
preview = compose.read_preview(stack.project, [COMPOSE_FILE.read_text()], [stack.env_text], readings=seen)
undo = None  # --data rollback=false: a failed update stays as it failed, for debugging
if settings.rollback:
    kept = rollback.record_healthy_state(name="Keep the healthy state", project=stack.project, root=stack.root, keep=KEEP, preview=preview, builds=stack.builds, readings=seen)
    undo = rollback.Rollback(stack.root, KEEP, recorded=kept, timeout=settings.health_timeout)

# 3. Compose file, Dockerfiles, app sources, image recipes and files/ onto the target.
synced = sync_trees(
    name="Upload the stack's files", src_root=str(REPO), dest_root=stack.root, trees=TREES, excludes=EXCLUDES,
    checksum=settings.sync_checksum, readings=seen,
)

# 4. The .env (secrets: mode 0600, never printed).
env = devstack.secret_file(name="Render .env", dest=f"{stack.root}/.env", content=stack.env_text, readings=seen)

# 5. Offline stand-in images, where the registry is out of reach.
if stack.stand_ins:
    images = devstack.offline_images(
        name="Offline images",
        images_dir=f"{stack.root}/images",
        wanted=stack.stand_ins,
        extra_ca_pem=extra_ca_pem(settings.extra_ca_certs),
        readings=seen,
    )

# 6. The database's password is the secrets file's (rotated in place when it changed or was
#    regenerated, before the api is recreated with it): no data lost with a lost secrets file.
postgres.role_password(name="POSTGRES_PASSWORD in force", **role_password_args(stack), readings=seen)

# 7. Compose up: only what differs is built, created or recreated (the plan says why).
up = compose.up(name="Compose up", project=stack.project, builds=stack.builds, preview=preview, rollback=undo, readings=seen)

# 8. Wait until every service is healthy, judged from the engine itself: after the uploads or up changed
#    anything, only a probe since counts; a blip within health_grace passes; on failure: roll back.
compose.wait_healthy(
    name="Wait for health", project=stack.project, timeout=settings.health_timeout, after=up,
    changes=(synced, env), grace=settings.health_grace, rollback=undo,
)

# 9. Healthy: when anything changed, record when, from which commit, by whom (status.py shows it).
changed = [docker, synced, env, up] + ([images] if stack.stand_ins else [])
devstack.deploy_record(name="Deploy record", dest=record.path(stack.root), text=record.now(), after=changed)

# 10. Where to find it.
devstack.show_urls(name="Service URLs", urls=urls(settings), tunnel=ssh_tunnel(host, settings))
