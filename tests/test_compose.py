"""docker-compose.yml: Trailarr beside Radarr and Sonarr on one media volume, keys from .env."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
# What the test puts in the keys .env.example leaves empty, as a user would.
KEYS = {
    "RADARR_API_KEY": "a" * 32,
    "SONARR_API_KEY": "b" * 32,
    "TRAILARR_API_KEY": "c" * 32,
}
_VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    """The variables .env.example sets (empty ones included)."""
    values = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}`, as `docker compose` reads them."""

    def value(match: re.Match[str]) -> str:
        name, kind, arg = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise ValueError(f"{name}: {arg}")
        return arg if kind == "-" else ""

    return _VARIABLE.sub(value, text)


def compose(env: dict[str, str]) -> dict[str, Any]:
    """docker-compose.yml with `env` interpolated."""
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(interpolate(text, env))
    return loaded


@pytest.fixture
def services() -> dict[str, Any]:
    """The services, with .env.example's values and the test's keys."""
    found: dict[str, Any] = compose({**env_example(), **KEYS})["services"]
    return found


def test_the_example_env_file_names_every_variable_and_no_key() -> None:
    """Each variable the compose file reads is in .env.example, whose API keys are left empty."""
    used = set(_VARIABLE.findall((ROOT / "docker-compose.yml").read_text(encoding="utf-8")))
    example = env_example()
    assert {name for name, _, _ in used} <= set(example)
    assert all(example[name] == "" for name in KEYS)
    with pytest.raises(ValueError, match="RADARR_API_KEY"):
        compose(example)


def test_three_services_share_one_media_volume_and_one_user(services: dict[str, Any]) -> None:
    """Radarr, Sonarr (linuxserver.io) and Trailarr: the media at one path, one PUID:PGID."""
    assert set(services) == {"radarr", "sonarr", "trailarr"}
    assert services["radarr"]["image"].startswith("lscr.io/linuxserver/radarr")
    assert services["sonarr"]["image"].startswith("lscr.io/linuxserver/sonarr")
    assert services["trailarr"]["build"] == "."
    media = env_example()["MEDIA_DIR"]
    mounts = [
        [volume for volume in service["volumes"] if volume.startswith(f"{media}:")]
        for service in services.values()
    ]
    assert all(len(found) == 1 for found in mounts), mounts
    assert len({found[0] for found in mounts}) == 1
    users = {
        (str(s["environment"]["PUID"]), str(s["environment"]["PGID"])) for s in services.values()
    }
    assert users == {(env_example()["PUID"], env_example()["PGID"])}


def test_trailarr_knows_each_arr_by_its_service_name_and_key(services: dict[str, Any]) -> None:
    """TRAILARR_ARR is a valid instance list naming each Arr's service, port and API key."""
    env = services["trailarr"]["environment"]
    settings = Settings.model_validate(
        {"arr": json.loads(env["TRAILARR_ARR"]), "server": {"api_key": KEYS["TRAILARR_API_KEY"]}}
    )
    assert env["TRAILARR_SERVER__API_KEY"] == KEYS["TRAILARR_API_KEY"]
    published = {name: s["ports"][0].split(":")[-1] for name, s in services.items()}
    for instance in settings.arr:
        service = services[instance.name]
        assert instance.kind == instance.name
        assert str(instance.url).rstrip("/") == f"http://{instance.name}:{published[instance.name]}"
        own_key = service["environment"][f"{instance.name.upper()}__AUTH__APIKEY"]
        assert instance.api_key.get_secret_value() == own_key
    assert {instance.name for instance in settings.arr} == {"radarr", "sonarr"}
    assert published["trailarr"] == "7889"
