"""The deployment files say what they must, and the README says what they do.

There is no Docker Compose on the build machines (`docker compose config` needs the plugin), so
the compose files are read as YAML and checked for what they publish and where their
credentials come from.
"""
from __future__ import annotations

import re
import runpy
import shlex
from pathlib import Path

import pytest
import yaml

import config

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
APP_SERVICES = ("api", "worker", "worker_quick", "beat", "flower")
VARIABLE = re.compile(r"^\$\{[A-Z_]+(:-)?\}$")


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return {name.strip(): command.strip() for name, _, command in (line.partition(":") for line in lines if line.strip())}


def compose(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text())


def queues(command: str) -> set[str]:
    words = shlex.split(command.replace("'", ""))
    return set(words[words.index("--queues") + 1].split(","))


# --- production compose ----------------------------------------------------------------------


def test_production_compose_publishes_only_the_api_and_flower_on_loopback():
    services = compose("docker-compose.yml")["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert published == {"api": ["8000:8000"], "flower": ["127.0.0.1:5555:5555"]}
    assert "mailpit" not in services
    assert "console-address" not in services["minio"]["command"] and services["minio"]["environment"]["MINIO_BROWSER"] == "off"


def test_production_compose_takes_every_credential_from_the_environment():
    services = compose("docker-compose.yml")["services"]
    secrets = {"SECRET_KEY", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", "FLOWER_BASIC_AUTH", "POSTGRES_PASSWORD",
               "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
    seen = set()
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if key in secrets:
                assert VARIABLE.match(str(value)), f"{name}: {key} is written in the file ({value!r})"
                seen.add(key)
        url = (service.get("environment") or {}).get("DATABASE_URL", "")
        assert not url or "${POSTGRES_PASSWORD:-}@" in url
    assert seen == secrets
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        assert environment["APP_ENV"] == "production"  # said, not left to the default
        assert environment["SMTP_HOST"] == "${SMTP_HOST:-}" and environment["PUBLIC_URL"] == "${PUBLIC_URL:-}"
    assert "${FLOWER_BASIC_AUTH:?" in services["flower"]["command"].replace("$$", "$")  # no Flower without a password


def test_compose_runs_the_procfile_s_worker_layout():
    services, processes = compose("docker-compose.yml")["services"], procfile()
    assert queues(services["worker"]["command"]) == queues(processes["worker"]) == {"ai", "media"}
    assert queues(services["worker_quick"]["command"]) == queues(processes["worker_quick"]) == {"email", "default"}


def test_the_development_override_holds_mailpit_the_minio_console_and_the_default_credentials():
    production, development = compose("docker-compose.yml")["services"], compose("docker-compose.dev.yml")["services"]
    assert development["mailpit"]["ports"] == ["8025:8025"]
    assert "9001:9001" in development["minio"]["ports"] and "--console-address :9001" in development["minio"]["command"]
    for name in APP_SERVICES:
        merged = {**production[name]["environment"], **development[name]["environment"]}  # how compose merges maps
        assert merged["APP_ENV"] == "development" and merged["SMTP_HOST"] == "mailpit"
        assert merged["MINIO_ACCESS_KEY"] == config.DEV_STORAGE_CREDENTIAL and merged["SECRET_KEY"] == config.DEFAULT_SECRET_KEY
    assert development["flower"]["environment"]["FLOWER_BASIC_AUTH"] == config.DEV_FLOWER_BASIC_AUTH


# --- Procfile, Dockerfile, gunicorn -------------------------------------------------------------


def test_the_procfile_relies_on_no_default_credential_and_uses_flower_s_option_syntax():
    processes = procfile()
    assert set(processes) == {"web", "worker", "worker_quick", "beat", "flower"}
    assert processes["web"] == "gunicorn --config gunicorn.conf.py wsgi:app"
    flower = processes["flower"]
    assert "--port=" in flower and '--basic-auth="${FLOWER_BASIC_AUTH:?' in flower and "admin:admin" not in flower
    assert "--address=${FLOWER_ADDRESS:-127.0.0.1}" in flower


def test_the_image_states_production_and_serves_through_gunicorn_conf():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "APP_ENV=production" in dockerfile and "gunicorn --config gunicorn.conf.py wsgi:app" in dockerfile
    assert ".env" in (ROOT / ".dockerignore").read_text().split()


def test_gunicorn_limits_are_raised_yet_finite():
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["limit_request_line"] == 8190  # gunicorn's hard maximum; 0 would mean unlimited
    assert 8190 < settings["limit_request_field_size"] <= 65536
    assert 0 < settings["limit_request_fields"] <= 100


# --- README -----------------------------------------------------------------------------------


def settings_read_by_config() -> set[str]:
    """Every variable load_config reads: record the names passed to the one reader they all use."""
    names = set()
    read = config._Env.str

    def recording(self, name, default=None):
        names.add(name)
        return read(self, name, default)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(config._Env, "str", recording)
        config.load_config({"APP_ENV": "development"})
    return names


def settings_read_by_processes() -> set[str]:
    """Variables the Procfile lines and gunicorn.conf.py read."""
    names = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "Procfile").read_text()))
    return names | set(re.findall(r"os\.environ\.get\([\"']([A-Z_]+)", (ROOT / "gunicorn.conf.py").read_text()))


def test_the_readme_lists_every_setting():
    table = README[README.index("## Configuration"):]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    missing = (settings_read_by_config() | settings_read_by_processes()) - listed
    assert not missing, f"settings missing from the README's configuration section: {sorted(missing)}"


def test_the_readme_s_ci_command_is_what_ci_runs():
    script = (ROOT / ".ci" / "run").read_text()
    exported = re.findall(r'^export ([A-Z_]+)="?(?:\$\{[A-Z_]+:-)?([^"}\s]+)', script, re.MULTILINE)
    assert re.search(r"^make test$", script, re.MULTILINE)
    command = " ".join(f"{name}={value}" for name, value in exported) + " make test"
    assert command in README, command


def test_the_readme_stands_on_its_own():
    assert "../shared" not in README


def test_gitignore_covers_what_the_test_run_leaves_behind():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert {".schemathesis/", ".hypothesis/", ".env", "instance/"} <= set(ignored)
