#!/usr/bin/env python3
"""The image's HEALTHCHECK: exit 0 when GET /health answers 200 on the port Trailarr listens on.

The port and host are found the way Trailarr finds them: `TRAILARR_SERVER__PORT`/`__HOST`, else
`[server]` in `$TRAILARR_CONFIG` or `$TRAILARR_DATA_DIR/config.toml`, else 7889 on all addresses.
Only the standard library is used, so the check costs no import of the app.
"""

from __future__ import annotations

import os
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_PORT = 7889
ANY_ADDRESS = {"", "0.0.0.0", "::"}


def _file_settings() -> dict[str, Any]:
    """The `[server]` table of the config file, or nothing when there is no readable file."""
    path = os.environ.get("TRAILARR_CONFIG") or str(
        Path(os.environ.get("TRAILARR_DATA_DIR") or "data") / "config.toml"
    )
    try:
        with open(path, "rb") as file:
            server = tomllib.load(file).get("server", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return server if isinstance(server, dict) else {}


def health_url() -> str:
    """Where /health answers, environment first, then the config file, then the defaults."""
    env = {key.upper(): value for key, value in os.environ.items()}
    server = _file_settings()
    port = env.get("TRAILARR_SERVER__PORT") or server.get("port") or DEFAULT_PORT
    host = str(env.get("TRAILARR_SERVER__HOST") or server.get("host") or "")
    host = "127.0.0.1" if host in ANY_ADDRESS else host
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{int(port)}/health"


def main() -> int:
    """0 when /health answers 200 within 4 s, else 1 with the reason on stderr."""
    url = health_url()
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            if response.status == 200:
                return 0
            print(f"{url}: HTTP {response.status}", file=sys.stderr)
    except (OSError, urllib.error.URLError) as error:
        print(f"{url}: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
