"""Defaults of every setting, for every host. Override per group (group_data/devboxes.py),
per host (inventory.py) or per run (`--data key=value`; dicts and lists as JSON/Python
literals, e.g. `--data 'ports={"api": 8001}'` -- a partial `ports` keeps the other ports).
Every value is validated before anything on the target is touched (devstack/settings.py).
"""

import os

# Compose project name: containers are named <project_name>-<service>-1.
project_name = "infra"

# Where the stack is put on the target (compose file, Dockerfiles, app sources, .env).
# "~" is the SSH/local user's home directory.
project_dir = "~/devstack"

# Optional compose profiles, e.g. ["pgadmin"].
profiles = []

# Published ports on the target.
ports = {"api": 8000, "web": 3000, "postgres": 5432, "redis": 6379, "pgadmin": 5050}

# Address the published ports bind to. For a remote target, any address but a loopback
# one is refused unless you set allow_public_ports = True (then use a firewall).
bind_address = "127.0.0.1"
allow_public_ports = False

# "official" (registry images), "local" (build the Debian-package stand-ins of images/
# on the target) or "auto": official when the registry answers, else local.
images = "auto"

# Seconds to wait for every service to become healthy (a cold start builds two images
# and installs the apps' dependencies).
health_timeout = 900

# Local paths of extra CA certificates (PEM files, or directories of *.crt) to trust in
# every image: needed behind TLS-intercepting proxies. By default the CAs your
# administrator added to this machine (Debian/Ubuntu's place for them), if any.
extra_ca_certs = ["/usr/local/share/ca-certificates"]

# "0" when your npm registry mirror serves metadata without signatures (corepack then
# refuses to fetch pnpm: "No compatible signature found"). Default: the environment's
# COREPACK_INTEGRITY_KEYS, else corepack's own keys.
corepack_integrity_keys = os.environ.get("COREPACK_INTEGRITY_KEYS", "")

# Install Docker engine + compose v2 on a Debian/Ubuntu target that lacks them.
install_docker = True

# Database name and user; the password comes from secrets.env (generated on first run).
postgres_db = "app"
postgres_user = "app"
pgadmin_email = "admin@example.com"

# down.py only: also remove the volumes (the database and the web dependency cache).
purge = False

# `deploy.py --dry` only: exit with status 3 when the dry run finds drift (something
# would change), 0 when nothing would; 1 stays pyinfra's failure, 2 invalid settings.
# Like `terraform plan -detailed-exitcode`, e.g. `--dry --data drift_exit_code=true` in CI.
drift_exit_code = False

# The file sync decides what to read by a quick check of sizes and mtimes on both sides
# (like rsync). True: hash every file on both sides on every run, trusting no cache (like
# rsync -c; slower, for when something rewrites files keeping their size and mtime).
sync_checksum = False

# When `compose up` or the health wait fails after an update that changed the stack's
# definition (compose file, Dockerfiles, .env, images), put back the healthy state it
# replaced (files as deployed, images by id) and wait for its health; false keeps the
# failed state for debugging. App sources (bind-mounted) are never rolled back.
rollback = True

# Seconds a service may be unhealthy (or fail the probes since this deploy's changes)
# and recover before the health wait fails: a 10-second blip passes. Exited, dead and
# restart-looping services fail at once.
health_grace = 30

# Backups (down.py --data purge=true takes one first; restore.py brings one back). Where,
# on this machine: <backup_dir>/<host>/<project>/<UTC timestamp>.dump (a relative path is
# relative to the repository; git-ignored). The newest `backups_keep` per host are kept.
backup_dir = "backups"
backups_keep = 10
# down.py only: purge even when the backup cannot be taken (the data is then gone).
purge_without_backup = False
# restore.py only: the backup file to restore (default: the host's newest), and whether it
# may replace a database that already has tables.
backup = ""
replace = False
