"""Settings: read once at start-up from `config.toml` and `TRAILARR_*` variables, typed, validated.

Every key can be set by environment variable: `TRAILARR_<SECTION>__<KEY>` (for example
`TRAILARR_SERVER__PORT=8000`, `TRAILARR_TRAILERS__LAYOUT=folder`); `TRAILARR_ARR` takes the
whole instance list as JSON. The environment wins over the file.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from app.core.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(_Section):
    """`[server]`: where the HTTP server listens and the key that guards it."""

    host: str = "0.0.0.0"
    port: int = Field(default=7889, ge=0, le=65535)
    api_key: SecretStr = SecretStr("")


class RedisSection(_Section):
    """`[redis]`: an external Redis URL, or empty for the embedded redis-server."""

    url: SecretStr = SecretStr("")


class PathMapping(_Section):
    """Maps a path as the Arr sees it (`from`) to the same place as Trailarr sees it (`to`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)


class ArrInstance(_Section):
    """One `[[arr]]` entry: a Radarr or Sonarr instance."""

    name: str = Field(min_length=1)
    kind: Literal["radarr", "sonarr"]
    url: str = Field(min_length=1)
    api_key: SecretStr
    path_mappings: tuple[PathMapping, ...] = ()

    @field_validator("name")
    @classmethod
    def _name_is_a_path_segment(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", value):
            raise ValueError("use letters, digits, '-', '_' or '.' (it is the webhook path)")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")


class TrailerSettings(_Section):
    """`[trailers]`: where trailers go and what counts as a good one."""

    layout: Literal["suffix", "folder"] = "suffix"
    container: Literal["mkv", "mp4"] = "mkv"
    max_height: int = Field(default=1080, ge=144)
    min_height: int = Field(default=480, ge=0)
    min_duration: float = Field(default=30, ge=0)
    max_duration: float = Field(default=600, gt=0)
    languages: tuple[str, ...] = ("en",)
    search: bool = True
    concurrency: int = Field(default=2, ge=1, le=64)

    @model_validator(mode="after")
    def _bounds_in_order(self) -> TrailerSettings:
        if self.max_duration <= self.min_duration:
            raise ValueError("max_duration must be greater than min_duration")
        return self


class TmdbSettings(_Section):
    """`[tmdb]`: optional TMDB access for trailer keys."""

    api_key: SecretStr = SecretStr("")
    url: str = "https://api.themoviedb.org/3"


ExtractorArgs = dict[str, dict[str, tuple[str, ...]]]


class YoutubeSettings(_Section):
    """`[youtube]`: how a video key becomes a URL, how hard to push YouTube, what helps against
    its blocks (PRODUCT.md section 10)."""

    url_template: str = "https://www.youtube.com/watch?v={key}"
    cookies_file: str = ""
    proxy: SecretStr = SecretStr("")  # may carry a password
    pot_provider: str = ""  # base URL of a bgutil PO-token provider
    extractor_args: Annotated[ExtractorArgs, NoDecode] = Field(default_factory=dict)
    cooldown: str = "1m"
    max_cooldown: str = "6h"
    min_interval: str = "5s"
    max_per_hour: int = Field(default=250, ge=1)

    @field_validator("cooldown", "max_cooldown", "min_interval")
    @classmethod
    def _is_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("extractor_args", mode="before")
    @classmethod
    def _parse_extractor_args(cls, value: Any) -> Any:
        if isinstance(value, str):  # the command line's syntax, or JSON from the environment
            return (
                json.loads(value) if value.lstrip().startswith("{") else parse_extractor_args(value)
            )
        if isinstance(value, dict):  # a TOML table: "v1,v2" or ["v1", "v2"] per key
            return {
                ie: {k: tuple(v.split(",")) if isinstance(v, str) else v for k, v in args.items()}
                if isinstance(args, dict) else args
                for ie, args in value.items()
            }  # fmt: skip
        return value

    @field_validator("pot_provider")
    @classmethod
    def _pot_provider_is_http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def cooldown_seconds(self) -> float:
        """The first pause of YouTube downloads after YouTube throttles us."""
        return parse_duration(self.cooldown)

    @property
    def max_cooldown_seconds(self) -> float:
        """The longest pause, however many trips in a row."""
        return parse_duration(self.max_cooldown)

    @property
    def min_interval_seconds(self) -> float:
        """The least time between two YouTube download starts, across all workers."""
        return parse_duration(self.min_interval)

    @field_validator("url_template")
    @classmethod
    def _has_key_placeholder(cls, value: str) -> str:
        if "{key}" not in value:
            raise ValueError("must contain the placeholder {key}")
        return value


def parse_extractor_args(text: str) -> ExtractorArgs:
    """yt-dlp's `--extractor-args` syntax, `IE:KEY=V1,V2;KEY2=V` (several separated by spaces),
    as the table yt-dlp takes: `{"ie": {"key": ("v1", "v2")}}`."""
    parsed: ExtractorArgs = {}
    for part in text.split():
        ie, sep, args = part.partition(":")
        if not sep or not ie:
            raise ValueError(f"{part!r} is not like 'youtube:player_client=web,tv'")
        for pair in filter(None, args.split(";")):
            key, eq, values = pair.partition("=")
            if not eq or not key:
                raise ValueError(f"{pair!r} in {part!r} is not like 'key=value'")
            parsed.setdefault(ie.lower(), {})[key.strip()] = tuple(values.split(","))
    return parsed


class ReconcileSettings(_Section):
    """`[reconcile]`: how often the full sweep runs."""

    interval: str = "6h"

    @field_validator("interval")
    @classmethod
    def _is_duration(cls, value: str) -> str:
        if parse_duration(value) <= 0:
            raise ValueError("must be longer than zero")
        return value

    @property
    def seconds(self) -> float:
        """The interval in seconds."""
        return parse_duration(self.interval)


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Parse `90s`, `15m`, `6h`, `1d` or a bare number of seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like '6h', '15m' or '90s'")
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


class Settings(BaseSettings):
    """All of Trailarr's configuration."""

    model_config = SettingsConfigDict(
        env_prefix="TRAILARR_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    data_dir: Path = Path("data")
    server: ServerSettings = ServerSettings()
    redis: RedisSection = RedisSection()
    arr: tuple[ArrInstance, ...] = ()
    trailers: TrailerSettings = TrailerSettings()
    tmdb: TmdbSettings = TmdbSettings()
    youtube: YoutubeSettings = YoutubeSettings()
    reconcile: ReconcileSettings = ReconcileSettings()

    @field_validator("arr")
    @classmethod
    def _unique_names(cls, value: tuple[ArrInstance, ...]) -> tuple[ArrInstance, ...]:
        names = [instance.name for instance in value]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"instance names must be unique, repeated: {', '.join(duplicates)}")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment first so it overrides the file, which arrives as init kwargs.
        return (env_settings, init_settings)

    def instance(self, name: str) -> ArrInstance | None:
        """The `[[arr]]` instance called `name`, if any."""
        for instance in self.arr:
            if instance.name == name:
                return instance
        return None

    @property
    def database_path(self) -> Path:
        """The SQLite file inside the data dir."""
        return self.data_dir / "trailarr.db"


def config_path(environ: dict[str, str] | None = None) -> Path:
    """`$TRAILARR_CONFIG`, else `<data dir>/config.toml`."""
    env = os.environ if environ is None else environ
    if env.get("TRAILARR_CONFIG"):
        return Path(env["TRAILARR_CONFIG"])
    return Path(env.get("TRAILARR_DATA_DIR") or "data") / "config.toml"


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (if it exists) and the environment into validated `Settings`."""
    path = config_path() if path is None else path
    values: dict[str, Any] = {}
    if path.exists():
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    values.setdefault("data_dir", os.environ.get("TRAILARR_DATA_DIR") or str(path.parent))
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc
    except SettingsError as exc:  # an environment variable that is not valid JSON
        raise ConfigError(f"invalid configuration in the environment: {exc}") from exc


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"invalid configuration in {path}:"]
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"  {key}: {error['msg']}")
    return "\n".join(lines)
