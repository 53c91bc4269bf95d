"""Everything a deploy decides before touching the target: settings, secrets, images,
the .env, the compose project and the build digests. Pure apart from local files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pyinfra_compose import ComposeProject
from pyinfra_compose.buildinputs import LocalBuild, local_builds
from pyinfra_compose.errors import SettingsError

from devstack.envfile import render
from devstack.settings import Settings

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "infra" / "docker-compose.yml"
# Local trees put on the target, relative to the repository and to project_dir alike.
TREES = ("infra", "apps/api", "apps/web", "images", "files")
# The stack's definition as deployed (compose file, Dockerfiles, .env): kept for a rollback.
KEEP = ("infra", ".env")
# Never uploaded, never touched on the target: dependencies and build output.
EXCLUDES = ("node_modules", ".next", ".pnpm-store", ".venv", "__pycache__", ".pytest_cache", "*.pyc", ".env")

OFFICIAL_IMAGES = {
    "POSTGRES_IMAGE": "postgres:17",
    "REDIS_IMAGE": "redis:8",
    "PGADMIN_IMAGE": "dpage/pgadmin4:9",
    "PYTHON_IMAGE": "python:3.13-slim",
    "NODE_IMAGE": "node:22-bookworm",
}
# images/build.sh's name of each stand-in (it builds the Debian base they need itself).
BUILD_NAMES = {
    "POSTGRES_IMAGE": "postgres",
    "REDIS_IMAGE": "redis",
    "PGADMIN_IMAGE": "pgadmin",
    "PYTHON_IMAGE": "python",
    "NODE_IMAGE": "node",
}
LOCAL_IMAGES = {
    "POSTGRES_IMAGE": "devstack-local/postgres:17",
    "REDIS_IMAGE": "devstack-local/redis:8",
    "PGADMIN_IMAGE": "devstack-local/pgadmin4:latest",
    "PYTHON_IMAGE": "devstack-local/python:3.13",
    "NODE_IMAGE": "devstack-local/node:20",
}


def extra_ca_pem(paths: tuple[str, ...]) -> str:
    """The PEM text of every configured CA file (a directory contributes its *.crt)."""
    pems = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists() and raw == "/usr/local/share/ca-certificates":
            continue  # the default: a machine without locally added CAs
        files = sorted(path.glob("*.crt")) if path.is_dir() else [path]
        for file in files:
            try:
                text = file.read_text()
            except OSError as error:
                raise SettingsError(f"extra_ca_certs: cannot read {file}: {error.strerror}") from None
            if "-----BEGIN CERTIFICATE-----" not in text:
                raise SettingsError(f"extra_ca_certs: {file} is not a PEM certificate")
            pems.append(text.strip())
    return "\n".join(pems)


def env_values(settings: Settings, secrets: dict[str, str], images: dict[str, str], ca_pem: str) -> dict[str, str]:
    ports = settings.ports
    return {
        "POSTGRES_DB": settings.postgres_db,
        "POSTGRES_USER": settings.postgres_user,
        "POSTGRES_PASSWORD": secrets["POSTGRES_PASSWORD"],
        "POSTGRES_PORT": str(ports.postgres),
        "REDIS_PORT": str(ports.redis),
        "API_PORT": str(ports.api),
        "WEB_PORT": str(ports.web),
        "CORS_ORIGINS": f"http://localhost:{ports.web},http://127.0.0.1:{ports.web}",
        "NEXT_PUBLIC_API_BASE_URL": f"http://localhost:{ports.api}",
        "PGADMIN_PORT": str(ports.pgadmin),
        "PGADMIN_DEFAULT_EMAIL": settings.pgadmin_email,
        "PGADMIN_DEFAULT_PASSWORD": secrets["PGADMIN_DEFAULT_PASSWORD"],
        "BIND_ADDRESS": settings.bind_address,
        **images,
        "EXTRA_CA_CERTS": ca_pem,
        "COREPACK_INTEGRITY_KEYS": settings.corepack_integrity_keys,
    }


def urls(settings: Settings) -> dict[str, str]:
    host = "localhost" if settings.bind_address in ("127.0.0.1", "0.0.0.0", "::") else settings.bind_address
    shown = {"API": f"http://{host}:{settings.ports.api}", "Web": f"http://{host}:{settings.ports.web}"}
    if "pgadmin" in settings.profiles:
        shown["pgAdmin"] = f"http://{host}:{settings.ports.pgadmin}"
    shown["Postgres"] = f"postgresql://{settings.postgres_user}@{host}:{settings.ports.postgres}/{settings.postgres_db}"
    shown["Redis"] = f"redis://{host}:{settings.ports.redis}"
    return shown


@dataclass(frozen=True)
class Stack:
    """One host's deploy, decided: where things go and what they contain."""

    settings: Settings
    root: str  # project_dir on the target, ~ expanded
    env_text: str
    builds: dict[str, LocalBuild]
    stand_ins: dict[str, str]  # stand-in image this stack uses -> its images/build.sh name
    # The .env values (secrets among them: never in a repr): watch.py recomputes build digests from them.
    env: dict[str, str] = field(default_factory=dict, repr=False)
    postgres_password: str = field(default="", repr=False)  # a secret: never in a repr
    postgres_image: str = ""

    @property
    def project(self) -> ComposeProject:
        # Relative paths in the compose file resolve against infra/, as in the repository.
        return ComposeProject(
            project_dir=f"{self.root}/infra",
            project_name=self.settings.project_name,
            files=("docker-compose.yml",),
            env_files=(f"{self.root}/.env",),
            profiles=self.settings.profiles,
        )


def stand_ins(images: dict[str, str], profiles: tuple[str, ...]) -> dict[str, str]:
    """The Debian-package stand-ins among the chosen images (pgAdmin's only with its profile)."""
    return {
        image: BUILD_NAMES[variable]
        for variable, image in images.items()
        if image == LOCAL_IMAGES.get(variable) and (variable != "PGADMIN_IMAGE" or "pgadmin" in profiles)
    }


def project_root(project_dir: str, home: str) -> str:
    """project_dir on the target, its leading ~ being the login user's home there."""
    if not project_dir.startswith("~"):
        return project_dir
    return (home or "/root").rstrip("/") + project_dir[1:]


def decide(settings: Settings, secrets: dict[str, str], images: dict[str, str], root: str) -> Stack:
    values = env_values(settings, secrets, images, extra_ca_pem(settings.extra_ca_certs))
    header = "Rendered by deploy.py from group_data/ and your secrets file: edits here are overwritten."
    return Stack(
        settings=settings,
        root=root,
        env_text=render(values, header),
        builds=local_builds(COMPOSE_FILE, values, settings.project_name),
        stand_ins=stand_ins(images, settings.profiles),
        env=values,
        postgres_password=secrets["POSTGRES_PASSWORD"],
        postgres_image=images["POSTGRES_IMAGE"],
    )
