"""The API key: where it comes from, and checking it on a request."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from aiohttp import BasicAuth, web

from app.core.config import Settings

KEY_FILE = "api_key"


def resolve_api_key(settings: Settings) -> tuple[str, Path | None]:
    """The configured key, or one generated once into `<data dir>/api_key` (mode 0600).

    Returns the key and the file it lives in (None when it came from the configuration).
    """
    configured = settings.server.api_key.get_secret_value()
    if configured:
        return configured, None
    path = settings.data_dir / KEY_FILE
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if key:
            return key, path
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(16)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # the file may have existed with a looser mode
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key, path


def presented_key(request: web.Request) -> str | None:
    """The key the client sent: `?apikey=`, `X-Api-Key`, or a Basic password (any user)."""
    key = request.query.get("apikey")
    if key:
        return key
    key = request.headers.get("X-Api-Key")
    if key:
        return key
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            credentials = BasicAuth.decode("Basic " + header[6:].strip(), encoding="latin-1")
        except ValueError:
            return None
        return credentials.password or None
    return None


def is_authorized(request: web.Request, api_key: str) -> bool:
    """Whether the request carries the API key; compared in constant time."""
    key = presented_key(request)
    return key is not None and hmac.compare_digest(key.encode(), api_key.encode())
