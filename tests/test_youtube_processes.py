"""`trailarr web` and two `trailarr worker` processes on one Redis against a host that throttles:
one probe per pause end across both workers, and recovery without anyone doing anything."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from tests.fakes.arr import FakeArr
from tests.fakes.videohost import VideoHost
from tests.harness import MOVIES, radarr_download
from tests.test_processes import (
    free_port,
    spawn,
    stop,
    wait_for_file,
    wait_until_healthy,
    write_config,
)

COOLDOWN_S = 1.0


def add_movie(radarr: FakeArr, host: VideoHost, movies: Path, arr_id: int, clip: Path) -> Path:
    """A movie on disk and in Radarr, its trailer on the host; where the trailer must appear."""
    title = f"Movie {arr_id}"
    (movies / f"{title} (2020)").mkdir(parents=True)
    movie = radarr.add_movie(arr_id, title, 2020, f"{MOVIES}/{title} (2020)", tmdb_id=arr_id,
                             youtube_trailer_id=f"key{arr_id:08d}")  # fmt: skip
    (movies / f"{title} (2020)" / movie["movieFile"]["relativePath"]).write_bytes(b"movie")
    host.add(f"key{arr_id:08d}", clip)
    return (
        movies
        / f"{title} (2020)"
        / (Path(movie["movieFile"]["relativePath"]).stem + "-trailer.mkv")
    )


async def test_two_workers_send_one_probe_per_pause_and_recover(
    tmp_path: Path, clip: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past its limit the host blocks for 2.5 s: both workers stop asking; at each pause end
    (1 s, then 2 s) one probe goes; once one gets through every trailer arrives."""
    monkeypatch.setenv("TRAILARR_TRAILERS__MIN_HEIGHT", "0")
    data, home, movies = tmp_path / "data", tmp_path / "worker", tmp_path / "media" / "movies"
    home.mkdir()
    movies.mkdir(parents=True)
    port = free_port()
    radarr, sonarr = FakeArr("radarr"), FakeArr("sonarr")
    async with radarr, sonarr, VideoHost(clip) as host:
        host.limit(rate=1, window_s=3, burst=2, penalty_s=2.5)
        config = write_config(data, radarr.url, sonarr.url, movies, port, api_key="k",
                              redis=redis_url, url_template=host.url_template)  # fmt: skip
        with config.open("a", encoding="utf-8") as text:  # the file ends in [youtube]
            text.write(f'cooldown = "{COOLDOWN_S:g}s"\nmin_interval = "0s"\n'
                       "max_per_hour = 100000\n")  # fmt: skip
        (home / "config.toml").write_text(config.read_text())
        trailers = [add_movie(radarr, host, movies, n, clip) for n in range(1, 6)]
        web = await spawn("web", data=data)
        workers = [await spawn("worker", data=home) for _ in range(2)]
        try:
            await wait_until_healthy(port, web)
            async with aiohttp.ClientSession() as session:
                for n in range(1, 6):
                    async with session.post(
                        f"http://127.0.0.1:{port}/webhook/radarr?apikey=k",
                        data=radarr_download(radarr.media[n]),
                    ) as response:  # fmt: skip
                        assert response.status == 202
                for trailer in trailers:
                    await wait_for_file(trailer, timeout=90)
                async with session.get(f"http://127.0.0.1:{port}/api/status?apikey=k") as got:
                    youtube = (await got.json())["sources"]["youtube"]
        finally:
            codes = [await stop(p) for p in (*workers, web)]
    assert codes == [0, 0, 0]
    assert (youtube["state"], youtube["trips"], youtube["last_class"]) == ("ok", 0, "rate_limited")
    starts = sorted(host.starts, key=lambda s: s.at)
    first = next(s for s in starts if s.status == 429)
    through = next(s for s in starts if s.status == 200 and s.at > first.at)
    during = [s for s in starts if first.at < s.at < through.at]
    in_flight = [s for s in during if s.at < first.at + 0.9 * COOLDOWN_S]
    assert len(in_flight) <= 1  # the other slot's download, admitted before the trip
    probes = [s for s in during if s not in in_flight] + [through]
    assert len(probes) >= 2  # the block outlasts the first pause: its probe failed
    gaps = [b.at - a.at for a, b in zip([first, *probes], probes, strict=False)]
    assert all(gap >= 0.9 * COOLDOWN_S for gap in gaps), gaps  # one probe per pause end
    assert len({s.key for s in starts if s.status == 200}) == 5
