"""compose.yaml, deploy/nginx.conf and the Dockerfile, checked against the code they start. There is no
Docker engine on this machine to run them (the multi-process test runs the same processes, and nginx with
deploy/nginx.conf, without containers), so what is checked here is what a typo would break: every
HOUSESCAN_ variable is a setting and parses, every command line parses with the CLI, every dependency is a
service, health checks ask for routes that exist, and the files the Dockerfile copies are there."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from housescan.agents.server import create_agents_app
from housescan.app import create_app
from housescan.cli import app as cli
from housescan.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
HOUSESCAN_SERVICES = {name: service for name, service in SERVICES.items() if service.get("image") == "housescan:latest"}
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def with_defaults(value: object) -> str:
    """compose's `${NAME:-default}` as the default it falls back to."""
    return re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", str(value))


def test_the_scaled_out_deployment_is_all_there() -> None:
    assert {"postgres", "redis", "minio", "migrate", "api1", "api2", "worker1", "worker2", "agents", "lb"} <= set(
        SERVICES
    )
    assert set(HOUSESCAN_SERVICES) == {"migrate", "api1", "api2", "worker1", "worker2", "agents"}
    for name, service in SERVICES.items():
        needs = service.get("depends_on", {})
        assert set(needs) <= set(SERVICES), f"{name} depends on a service that does not exist"
    for name in ("api1", "api2", "worker1", "worker2"):
        assert SERVICES[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            f"{name} starts only after the migrations ran, once"
        )
    assert SERVICES["migrate"]["command"] == ["housescan", "db", "upgrade"]


def test_the_balancer_is_the_only_way_in_and_runs_the_tested_configuration() -> None:
    assert "ports" not in SERVICES["api1"] and "ports" not in SERVICES["api2"], "the APIs trust the balancer's headers"
    assert SERVICES["api1"]["environment"]["FORWARDED_ALLOW_IPS"] == "*"
    mount = SERVICES["lb"]["volumes"][0].split(":")
    assert mount[:2] == ["./deploy/nginx.conf", "/etc/nginx/nginx.conf"]
    config = (ROOT / mount[0]).read_text()
    for name in ("api1", "api2"):
        port = SERVICES[name]["command"][SERVICES[name]["command"].index("--port") + 1]
        assert f"server {name}:{port}" in config, f"nginx sends to {name} on the port it listens on"
    assert "ip_hash;" in config, "long-polling sessions stay on one API process"


@pytest.mark.parametrize("name", sorted(HOUSESCAN_SERVICES))
def test_every_housescan_setting_is_real_and_parses(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {key: with_defaults(value) for key, value in HOUSESCAN_SERVICES[name]["environment"].items()}
    settings_names = {key for key in environment if key.startswith("HOUSESCAN_")}
    unknown = sorted(
        key for key in settings_names if key.removeprefix("HOUSESCAN_").lower() not in Settings.model_fields
    )
    assert unknown == [], f"{name}: not settings of HouseScan (a typo is silently ignored otherwise)"
    for key in settings_names:
        monkeypatch.setenv(key, environment[key])
    settings = Settings()
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.redis_url == "redis://redis:6379/0"
    assert settings.storage_url == "s3://housescan/photos"
    if name == "agents":
        assert settings.agents_allowed_image_hosts == json.loads(environment["HOUSESCAN_AGENTS_ALLOWED_IMAGE_HOSTS"])


def command_lines() -> list[tuple[str, list[str]]]:
    lines = [(name, service["command"]) for name, service in HOUSESCAN_SERVICES.items()]
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    return [*lines, ("Dockerfile CMD", json.loads(cmd.group(1)))]


@pytest.mark.parametrize(("where", "argv"), command_lines())
def test_every_command_line_parses(where: str, argv: list[str]) -> None:
    assert argv[0] == "housescan"
    # --help is acted on only after the whole line parsed: an unknown command or option still fails.
    result = CliRunner().invoke(cli, [*argv[1:], "--help"])
    assert result.exit_code == 0, f"{where}: {result.output}"


def test_health_checks_ask_for_routes_that_exist(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, agents_provider="null")
    agents_check = " ".join(SERVICES["agents"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8100/v1/scan/health" in agents_check and "8100" in SERVICES["agents"]["command"]
    assert "/v1/scan/health" in create_agents_app(settings).openapi()["paths"]
    api = create_app(settings).other_asgi_app  # type: ignore[attr-defined]
    assert "http://127.0.0.1:8000/healthz" in DOCKERFILE and "/healthz" in api.openapi()["paths"]


def test_the_dockerfile_copies_what_exists_and_runs_what_is_installed() -> None:
    for line in re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE, re.MULTILINE):
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    assert "python -m housescan.agents.local.prepare" in DOCKERFILE
    assert importlib.util.find_spec("housescan.agents.local.prepare") is not None
    assert "-c requirements.lock" in DOCKERFILE, "the image installs the pinned versions"
