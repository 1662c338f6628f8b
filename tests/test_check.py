"""`trailarr check`: one line per requirement, and the exit code says whether all passed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.checks import run_checks
from tests.harness import Stack


async def test_check_passes_against_reachable_instances(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """Every check passes when Redis, tools, both Arrs and their writable roots are there."""
    async with Stack(tmp_path, redis_url, clip) as stack:
        results = await run_checks(stack.settings())
    names = [name for _, name, _ in results]
    assert names == ["config", "redis", "database", "ffmpeg", "ffprobe", "js runtime",
                     "arr radarr", "root radarr", "arr sonarr", "root sonarr"]  # fmt: skip
    failed = [(name, detail) for ok, name, detail in results if not ok]
    assert failed == [] or failed == [("js runtime", "none: YouTube downloads need deno")]
    assert ("arr radarr", "Radarr 6.0.3.10276") in [(n, d) for _, n, d in results]


async def test_check_reports_a_down_instance_and_a_missing_root(
    tmp_path: Path, redis_url: str, clip: Path
) -> None:
    """A down Arr and an unwritable library root are failures named on their own lines."""
    async with Stack(tmp_path, redis_url, clip) as stack:
        stack.radarr.down = True
        stack.tv_root.rmdir()
        results = await run_checks(stack.settings())
    failed = {name: detail for ok, name, detail in results if not ok}
    assert "503" in failed["arr radarr"]
    assert failed["root sonarr"] == str(stack.tv_root)


def test_check_command_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`trailarr check` exits 2 on an invalid configuration, naming the key."""
    monkeypatch.setattr(cli, "configure_logging", lambda level: None)
    config = tmp_path / "config.toml"
    config.write_text('[trailers]\nlayout = "sideways"\n')
    assert cli.main(["--config", str(config), "check"]) == 2
    assert "trailers.layout: Input should be 'suffix' or 'folder'" in capsys.readouterr().err
