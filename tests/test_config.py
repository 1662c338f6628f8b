"""Configuration (PRODUCT §2): TOML file, defaults, `TRAILARR_*` overrides, errors, the API key."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from app.core.config import ServerSettings, Settings, config_path, load_settings, parse_duration
from app.core.errors import ConfigError
from app.web.auth import KEY_FILE, resolve_api_key

# The example of PRODUCT.md §2, verbatim.
EXAMPLE = """\
[server]
host = "0.0.0.0"
port = 7889
api_key = ""            # empty: generated on first start into a file in the data dir (mode 0600);
                        # the start-up message says where it is, never the key itself

[redis]
url = ""                # empty: embedded redis-server

[[arr]]                 # any number of instances
name = "radarr"         # webhook path /webhook/radarr
kind = "radarr"         # radarr | sonarr
url = "http://radarr:7878"
api_key = "..."
path_mappings = [ { from = "/movies", to = "/mnt/media/movies" } ]

[trailers]
layout = "suffix"       # suffix: <movie file stem>-trailer.<ext> beside the movie (series: <folder>/Trailers/)
                        # folder: <media folder>/Trailers/<Title (Year)>-trailer.<ext>
container = "mkv"       # mkv | mp4
max_height = 1080
min_duration = 30       # seconds
max_duration = 600
languages = ["en"]      # preference order, ISO 639-1; original language is a good fallback
search = true           # YouTube search fallback when no id is known
concurrency = 2         # downloads at once, across all workers

[tmdb]
api_key = ""            # optional; v3 key or v4 read token
url = "https://api.themoviedb.org/3"

[youtube]
url_template = "https://www.youtube.com/watch?v={key}"
cookies_file = ""

[reconcile]
interval = "6h"
"""  # noqa: E501


def defaults(data_dir: Path) -> dict[str, Any]:
    """The keys PRODUCT §2 documents, with their values when a configuration sets nothing."""
    return {
        "data_dir": data_dir,
        "server": {"host": "0.0.0.0", "port": 7889, "api_key": SecretStr("")},
        "redis": {"url": SecretStr("")},
        "arr": (),
        "trailers": {
            "layout": "suffix", "container": "mkv", "max_height": 1080, "min_duration": 30,
            "max_duration": 600, "languages": ("en",), "search": True, "concurrency": 2,
        },
        "tmdb": {"api_key": SecretStr(""), "url": "https://api.themoviedb.org/3"},
        "youtube": {"url_template": "https://www.youtube.com/watch?v={key}", "cookies_file": ""},
        "reconcile": {"interval": "6h"},
    }  # fmt: skip


def documented(settings: Settings) -> dict[str, Any]:
    """`settings.model_dump()` cut down to the keys PRODUCT §2 documents (others may be added)."""
    dumped = settings.model_dump()
    shape = defaults(settings.data_dir)
    return {
        name: {key: dumped[name][key] for key in value} if isinstance(value, dict) else dumped[name]
        for name, value in shape.items()
    }


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No `TRAILARR_*` variable of the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("TRAILARR_"):
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    """A config.toml with `text` in it."""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- reading -------------------------------------------------------------------------------------


def test_product_example_loads(tmp_path: Path) -> None:
    """The example configuration of PRODUCT §2 loads as written, the data dir beside it."""
    settings = load_settings(write(tmp_path, EXAMPLE))
    radarr = {
        "name": "radarr", "kind": "radarr", "url": "http://radarr:7878",
        "api_key": SecretStr("..."),
        "path_mappings": ({"from_": "/movies", "to": "/mnt/media/movies"},),
    }  # fmt: skip
    assert documented(settings) == {**defaults(tmp_path), "arr": (radarr,)}
    assert settings.instance("radarr") is settings.arr[0]
    assert settings.instance("sonarr") is None
    assert settings.database_path == tmp_path / "trailarr.db"
    assert settings.reconcile.seconds == 6 * 3600


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    """Without a config file every key has its documented default."""
    settings = load_settings(tmp_path / "config.toml")
    assert documented(settings) == defaults(tmp_path)


def test_data_dir_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`$TRAILARR_DATA_DIR` places the data dir, whatever folder the config file is in."""
    monkeypatch.setenv("TRAILARR_DATA_DIR", str(tmp_path / "elsewhere"))
    settings = load_settings(write(tmp_path, EXAMPLE))
    assert settings.data_dir == tmp_path / "elsewhere"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, Path("data/config.toml")),
        ({"TRAILARR_DATA_DIR": "/config"}, Path("/config/config.toml")),
        ({"TRAILARR_CONFIG": "/etc/trailarr.toml"}, Path("/etc/trailarr.toml")),
        ({"TRAILARR_CONFIG": "/etc/t.toml", "TRAILARR_DATA_DIR": "/config"}, Path("/etc/t.toml")),
        ({"TRAILARR_CONFIG": "", "TRAILARR_DATA_DIR": "/config"}, Path("/config/config.toml")),
    ],
)
def test_config_path(environ: dict[str, str], expected: Path) -> None:
    """`$TRAILARR_CONFIG`, else `<data dir>/config.toml` with `$TRAILARR_DATA_DIR` or `./data`."""
    assert config_path(environ) == expected


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("45", 45), (" 2h ", 7200),
     ("1.5h", 5400)],
)  # fmt: skip
def test_parse_duration(text: str, seconds: float) -> None:
    """Durations are a number with an optional unit s, m, h or d."""
    assert parse_duration(text) == seconds


# --- environment overrides -----------------------------------------------------------------------

FILE_WITH_ONE_INSTANCE = """\
[server]
host = "127.0.0.1"
port = 7000
api_key = "from-file"

[trailers]
layout = "suffix"
container = "mp4"

[[arr]]
name = "radarr"
kind = "radarr"
url = "http://radarr:7878"
api_key = "radarr-key"
"""

ARR_JSON = (
    '[{"name": "movies-4k", "kind": "radarr", "url": "https://radarr4k.lan/", "api_key": "k1",'
    ' "path_mappings": [{"from": "/movies", "to": "/mnt/movies"}]},'
    ' {"name": "tv", "kind": "sonarr", "url": "http://sonarr:8989", "api_key": "k2"}]'
)


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`TRAILARR_SECTION__KEY` and `TRAILARR_ARR` win over the file; other keys keep its values."""
    monkeypatch.setenv("TRAILARR_SERVER__PORT", "8000")
    monkeypatch.setenv("TRAILARR_TRAILERS__LAYOUT", "folder")
    monkeypatch.setenv("TRAILARR_ARR", ARR_JSON)
    monkeypatch.setenv("TRAILARR_CONFIG", str(tmp_path / "config.toml"))
    settings = load_settings(write(tmp_path, FILE_WITH_ONE_INSTANCE))
    dumped = documented(settings)
    assert dumped["server"] == {"host": "127.0.0.1", "port": 8000,
                                "api_key": SecretStr("from-file")}  # fmt: skip
    assert dumped["trailers"] == {**defaults(tmp_path)["trailers"], "layout": "folder",
                                  "container": "mp4"}  # fmt: skip
    assert dumped["arr"] == (
        {"name": "movies-4k", "kind": "radarr", "url": "https://radarr4k.lan",
         "api_key": SecretStr("k1"),
         "path_mappings": ({"from_": "/movies", "to": "/mnt/movies"},)},
        {"name": "tv", "kind": "sonarr", "url": "http://sonarr:8989", "api_key": SecretStr("k2"),
         "path_mappings": ()},
    )  # fmt: skip


def test_environment_alone_configures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no file, environment variables set the keys they name and nothing else."""
    monkeypatch.setenv("TRAILARR_SERVER__API_KEY", "env-key")
    monkeypatch.setenv("TRAILARR_REDIS__URL", "redis://redis:6379/0")
    monkeypatch.setenv("TRAILARR_RECONCILE__INTERVAL", "15m")
    settings = load_settings(tmp_path / "config.toml")
    expected = defaults(tmp_path)
    expected["server"]["api_key"] = SecretStr("env-key")
    expected["redis"]["url"] = SecretStr("redis://redis:6379/0")
    expected["reconcile"]["interval"] = "15m"
    assert documented(settings) == expected
    assert settings.reconcile.seconds == 900


# --- errors --------------------------------------------------------------------------------------

ARR = '[[arr]]\nname = "{name}"\nkind = "{kind}"\nurl = "{url}"\napi_key = "k"\n'


def arr(name: str = "radarr", kind: str = "radarr", url: str = "http://radarr:7878") -> str:
    """One `[[arr]]` table."""
    return ARR.format(name=name, kind=kind, url=url)


BAD_FILES: dict[str, tuple[str, str]] = {
    "bad layout": ('[trailers]\nlayout = "sideways"\n',
                   "trailers.layout: Input should be 'suffix' or 'folder'"),
    "bad container": ('[trailers]\ncontainer = "avi"\n',
                      "trailers.container: Input should be 'mkv' or 'mp4'"),
    "port over 65535": ("[server]\nport = 70000\n",
                        "server.port: Input should be less than or equal to 65535"),
    "negative port": ("[server]\nport = -1\n",
                      "server.port: Input should be greater than or equal to 0"),
    "port not a number": ('[server]\nport = "http"\n',
                          "server.port: Input should be a valid integer, unable to parse string"
                          " as an integer"),
    "duplicate instance names": (arr() + arr(kind="sonarr", url="http://sonarr:8989"),
                                 "arr: Value error, instance names must be unique, repeated:"
                                 " radarr"),
    "url without http": (arr(url="radarr:7878"),
                         "arr.0.url: Value error, must start with http:// or https://"),
    "url of the second instance": (arr() + arr(name="tv", kind="sonarr", url="ftp://sonarr"),
                                   "arr.1.url: Value error, must start with http:// or https://"),
    "unknown kind": (arr(kind="lidarr"), "arr.0.kind: Input should be 'radarr' or 'sonarr'"),
    "name not a path segment": (arr(name="my radarr"),
                                "arr.0.name: Value error, use letters, digits, '-', '_' or '.'"
                                " (it is the webhook path)"),
    "instance without api_key": ('[[arr]]\nname = "r"\nkind = "radarr"\nurl = "http://r"\n',
                                 "arr.0.api_key: Field required"),
    "path mapping without to": (arr() + 'path_mappings = [ { from = "/movies" } ]\n',
                                "arr.0.path_mappings.0.to: Field required"),
    "url_template without {key}": ('[youtube]\nurl_template = "https://youtu.be/"\n',
                                   "youtube.url_template: Value error, must contain the"
                                   " placeholder {key}"),
    "interval not a duration": ('[reconcile]\ninterval = "often"\n',
                                "reconcile.interval: Value error, 'often' is not a duration like"
                                " '6h', '15m' or '90s'"),
    "negative interval": ('[reconcile]\ninterval = "-1h"\n',
                          "reconcile.interval: Value error, '-1h' is not a duration like '6h',"
                          " '15m' or '90s'"),
    "max_height too small": ("[trailers]\nmax_height = 100\n",
                             "trailers.max_height: Input should be greater than or equal to 144"),
    "concurrency zero": ("[trailers]\nconcurrency = 0\n",
                         "trailers.concurrency: Input should be greater than or equal to 1"),
    "unknown key": ("[server]\nprot = 7889\n", "server.prot: Extra inputs are not permitted"),
    "unknown section": ('[sonarr]\nurl = "http://sonarr"\n',
                        "sonarr: Extra inputs are not permitted"),
    "unknown key in an instance": (arr() + 'apikey = "k"\n',
                                   "arr.0.apikey: Extra inputs are not permitted"),
    "arr as one table": ('[arr]\nname = "radarr"\n', "arr: Input should be a valid tuple"),
}  # fmt: skip


@pytest.mark.parametrize(("text", "problem"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_invalid_value_names_key_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    """A bad value is a ConfigError naming the file, the dotted key and what is wrong."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"invalid configuration in {path}:\n  {problem}"


def test_every_problem_is_listed(tmp_path: Path) -> None:
    """Several bad keys are all reported at once, one line each."""
    path = write(tmp_path, '[server]\nport = 70000\n[trailers]\nlayout = "x"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value).splitlines() == [
        f"invalid configuration in {path}:",
        "  server.port: Input should be less than or equal to 65535",
        "  trailers.layout: Input should be 'suffix' or 'folder'",
    ]


BAD_ENVIRONMENT: dict[str, tuple[str, str, str]] = {
    "port": ("TRAILARR_SERVER__PORT", "99999",
             "server.port: Input should be less than or equal to 65535"),
    "layout": ("TRAILARR_TRAILERS__LAYOUT", "beside",
               "trailers.layout: Input should be 'suffix' or 'folder'"),
    "instance url": ("TRAILARR_ARR", '[{"name": "r", "kind": "radarr", "url": "r:1", '
                     '"api_key": "k"}]', "arr.0.url: Value error, must start with http:// or https://"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("variable", "value", "problem"), BAD_ENVIRONMENT.values(), ids=BAD_ENVIRONMENT.keys()
)
def test_invalid_environment_value_names_key_and_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    """A bad value from the environment is reported like one from the file."""
    monkeypatch.setenv(variable, value)
    path = tmp_path / "config.toml"
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"invalid configuration in {path}:\n  {problem}"


def test_environment_list_that_is_not_json_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`TRAILARR_ARR` that is not a JSON list is a ConfigError naming `arr`."""
    monkeypatch.setenv("TRAILARR_ARR", "radarr=http://radarr:7878")
    with pytest.raises(ConfigError, match="arr"):
        load_settings(tmp_path / "config.toml")


INVALID_TOML: dict[str, tuple[bytes, str]] = {
    "unfinished array": (b"x = [\n", "Invalid value (at end of document)"),
    "table twice": (b"[server]\nport = 1\n[server]\nport = 2\n",
                    "Cannot declare ('server',) twice (at line 3, column 8)"),
    "bad escape": (b'[server]\nhost = "\\q"\n',
                   "Unescaped '\\' in a string (at line 2, column 11)"),
    "not UTF-8": (b'[server]\nhost = "\xff"\n',
                  "'utf-8' codec can't decode byte 0xff in position 17: invalid start byte"),
}  # fmt: skip


@pytest.mark.parametrize(("content", "problem"), INVALID_TOML.values(), ids=INVALID_TOML.keys())
def test_invalid_toml_is_a_config_error(tmp_path: Path, content: bytes, problem: str) -> None:
    """A file that is not TOML is a ConfigError with the file and the parser's position."""
    path = tmp_path / "config.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == f"{path}: not valid TOML: {problem}"


@pytest.mark.parametrize("interval", ["0", "0s", "0h", "0.0d"])
def test_zero_reconcile_interval_is_refused(tmp_path: Path, interval: str) -> None:
    """A reconcile interval must be positive."""
    with pytest.raises(ConfigError, match=r"reconcile\.interval"):
        load_settings(write(tmp_path, f'[reconcile]\ninterval = "{interval}"\n'))


def test_min_duration_over_max_duration_is_refused(tmp_path: Path) -> None:
    """`trailers.min_duration` above `trailers.max_duration` is a configuration error."""
    text = "[trailers]\nmin_duration = 600\nmax_duration = 30\n"
    with pytest.raises(ConfigError, match=r"trailers"):
        load_settings(write(tmp_path, text))


# --- secrets -------------------------------------------------------------------------------------

SECRETS = ("server-secret-1", "redis-password-2", "radarr-secret-3", "tmdb-secret-4")
WITH_SECRETS = f"""\
[server]
api_key = "{SECRETS[0]}"

[redis]
url = "redis://:{SECRETS[1]}@redis:6379/0"

[[arr]]
name = "radarr"
kind = "radarr"
url = "http://radarr:7878"
api_key = "{SECRETS[2]}"

[tmdb]
api_key = "{SECRETS[3]}"
"""


def test_secrets_stay_out_of_repr(tmp_path: Path) -> None:
    """No API key or Redis password shows in repr, str or the JSON dump of the settings."""
    settings = load_settings(write(tmp_path, WITH_SECRETS))
    shown = "\n".join([repr(settings), str(settings), settings.model_dump_json()])
    assert [secret for secret in SECRETS if secret in shown] == []
    assert settings.server.api_key.get_secret_value() == SECRETS[0]


def test_secrets_stay_out_of_errors(tmp_path: Path) -> None:
    """A configuration error elsewhere does not echo the secrets of the file."""
    text = WITH_SECRETS.replace('url = "http://radarr:7878"', 'url = "radarr"')
    text += '[trailers]\nlayout = "x"\n'
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert [secret for secret in SECRETS if secret in str(caught.value)] == []


# --- the API key ---------------------------------------------------------------------------------


def settings_for(data_dir: Path, api_key: str = "") -> Settings:
    """Settings with a data dir and, optionally, a configured API key."""
    return Settings(data_dir=data_dir, server=ServerSettings(api_key=SecretStr(api_key)))


def test_api_key_is_generated_once_into_a_private_file(tmp_path: Path) -> None:
    """Without a configured key, one is generated into `<data dir>/api_key` (0600) and reused."""
    data_dir = tmp_path / "data"
    key, path = resolve_api_key(settings_for(data_dir))
    assert path == data_dir / KEY_FILE
    assert (len(key), set(key) <= set("0123456789abcdef")) == (32, True)
    assert path.read_text(encoding="utf-8") == key + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_api_key(settings_for(data_dir)) == (key, path)
    assert path.read_text(encoding="utf-8") == key + "\n"


def test_each_data_dir_gets_its_own_key(tmp_path: Path) -> None:
    """Generated keys are random, not a fixed default."""
    first, _ = resolve_api_key(settings_for(tmp_path / "a"))
    second, _ = resolve_api_key(settings_for(tmp_path / "b"))
    assert first != second


def test_configured_api_key_is_kept(tmp_path: Path) -> None:
    """A configured key is used as is, even over a key file, and no file is written."""
    assert resolve_api_key(settings_for(tmp_path / "new", "configured")) == ("configured", None)
    assert not (tmp_path / "new").exists()
    generated, _ = resolve_api_key(settings_for(tmp_path / "old"))
    assert resolve_api_key(settings_for(tmp_path / "old", "configured")) == ("configured", None)
    assert (tmp_path / "old" / KEY_FILE).read_text(encoding="utf-8") == generated + "\n"


def test_empty_key_file_is_filled(tmp_path: Path) -> None:
    """An empty key file (an interrupted first start) gets a fresh key."""
    (tmp_path / KEY_FILE).touch(mode=0o600)
    key, path = resolve_api_key(settings_for(tmp_path))
    assert (path, len(key)) == (tmp_path / KEY_FILE, 32)
    assert path is not None
    assert path.read_text(encoding="utf-8") == key + "\n"


def test_key_file_is_private_even_if_it_existed(tmp_path: Path) -> None:
    """A key written into a pre-existing (empty, 0644) key file ends up mode 0600."""
    path = tmp_path / KEY_FILE
    path.touch()
    path.chmod(0o644)
    resolve_api_key(settings_for(tmp_path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
