"""The JSON that Radarr and Sonarr put on the wire, reproduced byte for byte.

Both apps serialize API responses with System.Text.Json configured by ``STJson.cs``: camelCase
names (the fakes build their dicts with those names already), ``WhenWritingNull`` (a property
whose value is null is left out, while a null *inside an array* is still written), indented with
two spaces and ``\\n``, and no ``Encoder`` set, so ``JavaScriptEncoder.Default`` escapes every
character outside Basic Latin as well as the HTML-sensitive ``' " & + < >`` and the grave accent,
always as ``\\uXXXX`` with uppercase hex and astral characters as UTF-16 surrogate pairs.

It also holds what the fakes share on the HTTP side: ``LocalServer`` (an aiohttp application on
127.0.0.1 at a free port) and ``accepts_gzip`` (content negotiation as the servers do it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from aiohttp import web

__all__ = ["LocalServer", "accepts_gzip", "stj_dumps", "stj_string"]

# The short escapes System.Text.Json's writer uses; everything else needing escape is \uXXXX.
_SHORT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\\": "\\\\"}
# Basic Latin characters JavaScriptEncoder.Default still refuses to write raw.
_FORBIDDEN_ASCII = frozenset("\"&'+<>`")


def _escape_char(char: str) -> str:
    code = ord(char)
    if 0x20 <= code < 0x7F and char not in _FORBIDDEN_ASCII and char != "\\":
        return char
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04X}"


def stj_string(text: str) -> str:
    """Return ``text`` as a quoted JSON string literal escaped the way System.Text.Json does."""
    return '"' + "".join(_escape_char(char) for char in text) + '"'


def _number(value: float | Decimal) -> str:
    if isinstance(value, Decimal):
        # System.Decimal keeps its scale on the wire (e.g. 55.555555555555555555555555560).
        return format(value, "f")
    if not math.isfinite(value):
        raise ValueError(f"System.Text.Json refuses to write {value!r}")
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # .NET's shortest round-trip format: "1E+20", "1E-05", "8.8".
    return repr(value).replace("e", "E")


def _write(value: Any, indent: int, out: list[str]) -> None:
    pad = "  " * indent
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float | Decimal):
        out.append(_number(value))
    elif isinstance(value, str):
        out.append(stj_string(value))
    elif isinstance(value, Mapping):
        items = [(key, item) for key, item in value.items() if item is not None]
        if not items:
            out.append("{}")
            return
        out.append("{")
        for position, (key, item) in enumerate(items):
            out.append(f"\n{pad}  {stj_string(str(key))}: ")
            _write(item, indent + 1, out)
            if position < len(items) - 1:
                out.append(",")
        out.append(f"\n{pad}}}")
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for position, item in enumerate(value):
            out.append(f"\n{pad}  ")
            _write(item, indent + 1, out)
            if position < len(value) - 1:
                out.append(",")
        out.append(f"\n{pad}]")
    else:
        raise TypeError(f"cannot serialize {type(value).__name__}")


def stj_dumps(obj: Any) -> bytes:
    """Serialize ``obj`` exactly as Radarr/Sonarr's System.Text.Json setup would (UTF-8 bytes).

    Mapping values that are ``None`` are omitted at every depth; ``None`` inside a list is written
    as ``null``. ``Decimal`` values are written with their scale, floats in .NET's shortest form.
    There is no trailing newline, as in a real response body.
    """
    out: list[str] = []
    _write(obj, 0, out)
    # Every character left unescaped is ASCII.
    return "".join(out).encode("ascii")


def accepts_gzip(request: web.BaseRequest) -> bool:
    """Whether the request's ``Accept-Encoding`` allows gzip (``gzip;q=0`` refuses it)."""
    qualities: dict[str, float] = {}
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.partition(";")
        name, _, value = params.strip().partition("=")
        try:
            quality = float(value) if name.strip().lower() == "q" else 1.0
        except ValueError:
            quality = 0.0
        qualities[coding.strip().lower()] = quality
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


class LocalServer:
    """An aiohttp application served on 127.0.0.1 at a free port; subclasses build the app.

    ``await server.start()`` returns the base URL (``http://127.0.0.1:<port>``); ``stop()`` shuts
    it down. ``async with server:`` does both.
    """

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.url = ""

    def build_app(self) -> web.Application:
        """Return a fresh application with this fake's routes."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        """The port the running server listens on."""
        if self._runner is None:
            raise RuntimeError("server is not running")
        port: int = self._runner.addresses[0][1]
        return port

    async def start(self) -> str:
        """Start serving on 127.0.0.1 at a port the OS picks and return the base URL."""
        if self._runner is not None:
            raise RuntimeError("server is already running")
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{self.port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving; a no-op when not running."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
