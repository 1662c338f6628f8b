"""Logs: JSON lines with bound context, stdlib loggers through the same output, keys redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import structlog
from aiohttp import web

from app.core.logs import configure_logging, redact
from app.web.server import AccessLogger


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Any]:
    """JSON logging to the captured stderr; the previous logging set-up restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", json=True)

    def lines() -> list[dict[str, Any]]:
        err = capsys.readouterr().err
        return [json.loads(line) for line in err.splitlines() if line]

    yield lines
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("http://radarr:7878/api/v3/movie?apikey=abc123", "http://radarr:7878/api/v3/movie?apikey=***"),
        ("/webhook/radarr?x=1&apikey=k3y&y=2", "/webhook/radarr?x=1&apikey=***&y=2"),
        ("https://api.themoviedb.org/3/movie/1?api_key=SECRET", "https://api.themoviedb.org/3/movie/1?api_key=***"),
        ("unix://:p4ssw0rd@/data/redis/redis.sock", "unix://:***@/data/redis/redis.sock"),
        ("headers {'X-Api-Key': 'abc'}", "headers {'X-Api-Key': '***'}"),
        ("nothing secret here", "nothing secret here"),
    ],
)  # fmt: skip
def test_redact(text: str, clean: str) -> None:
    """API keys and passwords in URLs, DSNs and headers are replaced by ***."""
    assert redact(text) == clean


def test_bound_context_and_redaction(json_logs: Any) -> None:
    """A worker's log line is one JSON object with instance, media_id, title and job_id bound."""
    log = structlog.get_logger("trailarr.worker").bind(
        instance="radarr", media_id=7, title="Amélie", job_id="ensure:radarr:7"
    )
    log.info("job done", url="http://radarr:7878/api/v3/movie/7?apikey=topsecret")
    [line] = json_logs()
    assert {k: line[k] for k in ("event", "instance", "media_id", "title", "job_id", "level")} == {
        "event": "job done", "instance": "radarr", "media_id": 7, "title": "Amélie",
        "job_id": "ensure:radarr:7", "level": "info",
    }  # fmt: skip
    assert line["url"] == "http://radarr:7878/api/v3/movie/7?apikey=***"
    assert "topsecret" not in json.dumps(line)


def test_stdlib_loggers_share_the_output(json_logs: Any) -> None:
    """arq's and aiohttp's own loggers come out as the same JSON lines."""
    logging.getLogger("arq.worker").info("Starting worker for %d functions", 1)
    [line] = json_logs()
    assert (line["logger"], line["event"], line["level"]) == (
        "arq.worker", "Starting worker for 1 functions", "info",
    )  # fmt: skip


async def test_access_log_has_url_without_key(json_logs: Any) -> None:
    """The access log names method, URL and status, keys redacted; accepted webhooks at DEBUG."""

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def refused(request: web.Request) -> web.Response:
        return web.Response(status=401)

    app = web.Application()
    app.router.add_get("/webhook/radarr", ok)
    app.router.add_get("/webhook/sonarr", refused)
    app.router.add_get("/api/status", ok)
    runner = web.AppRunner(
        app, access_log_class=AccessLogger, access_log=logging.getLogger("aiohttp.access")
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with aiohttp.ClientSession() as session:
            for path in ("/webhook/radarr", "/webhook/sonarr", "/api/status"):
                async with session.get(f"http://127.0.0.1:{port}{path}?apikey=hunter2"):
                    pass
    finally:
        await runner.cleanup()
    lines = [x for x in json_logs() if x.get("logger") == "aiohttp.access"]
    # An accepted webhook is an events row and a metric; at INFO it is not logged again.
    assert [(x["method"], x["url"], x["status"]) for x in lines] == [
        ("GET", "/webhook/sonarr?apikey=***", 401),
        ("GET", "/api/status?apikey=***", 200),
    ]
