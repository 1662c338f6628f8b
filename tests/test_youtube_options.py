"""What users set against YouTube's blocks reaches yt-dlp: proxy, cookies, extractor arguments,
the PO-token provider."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yt_dlp
from aiohttp import web

from app.core.config import TrailerSettings, YoutubeSettings, load_settings
from app.core.errors import ConfigError
from tests.fakes.videohost import VideoHost
from tests.fakes.wire import LocalServer
from workers.download import POT_PROVIDER_IE, fetch, ytdlp_options


class ForwardProxy(LocalServer):
    """An HTTP proxy on 127.0.0.1 that forwards absolute-form requests and logs them."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def build_app(self) -> web.Application:
        """Every request is a URL to fetch for the client."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        return app

    async def _forward(self, request: web.Request) -> web.Response:
        url = str(request.url)
        self.seen.append(url)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as got:
            body = await got.read()
            kept = {k: v for k, v in got.headers.items()
                    if k.lower() in ("content-type", "content-length")}  # fmt: skip
            return web.Response(status=got.status, body=body, headers=kept)


def youtube(**values: Any) -> YoutubeSettings:
    """Validated `[youtube]` settings."""
    return YoutubeSettings.model_validate(values)


def test_the_options_given_to_yt_dlp_carry_every_setting(tmp_path: Path) -> None:
    """Proxy, cookies, extractor arguments and the PO-token provider are what yt-dlp reads."""
    cookies = tmp_path / "cookies.txt"
    cookies.write_text("# Netscape HTTP Cookie File\n", encoding="utf-8")
    settings = youtube(
        proxy="http://user:secret@127.0.0.1:3128", cookies_file=str(cookies),
        pot_provider="http://127.0.0.1:4416/",
        extractor_args="youtube:player_client=web_safari,tv;player_skip=webpage",
    )  # fmt: skip
    options = ytdlp_options(str(tmp_path / "%(id)s.%(ext)s"), TrailerSettings(), settings)
    with yt_dlp.YoutubeDL(options) as ydl:
        assert ydl.params["proxy"] == "http://user:secret@127.0.0.1:3128"
        assert ydl.params["cookiefile"] == str(cookies)
        extractor = ydl.get_info_extractor("Youtube")
        assert extractor._configuration_arg("player_client") == ["web_safari", "tv"]
        assert extractor._configuration_arg("player_skip") == ["webpage"]
        pot = extractor._configuration_arg("base_url", ie_key=POT_PROVIDER_IE, casesense=True)
        assert pot == ["http://127.0.0.1:4416"]
    assert "secret" not in repr(settings)


def test_extractor_args_as_a_toml_table(tmp_path: Path) -> None:
    """A table in config.toml is the same as yt-dlp's command-line syntax."""
    config = tmp_path / "config.toml"
    config.write_text(
        '[youtube]\nextractor_args = { youtube = { player_client = ["web", "tv"],'
        ' lang = "fr" } }\n',
        encoding="utf-8",
    )
    args = load_settings(config).youtube.extractor_args
    assert args == {"youtube": {"player_client": ("web", "tv"), "lang": ("fr",)}}


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"extractor_args": "player_client=web"}, "extractor_args"),
        ({"pot_provider": "localhost:4416"}, "pot_provider"),
        ({"min_interval": "soon"}, "min_interval"),
        ({"max_per_hour": 0}, "max_per_hour"),
        ({"max_cooldown": "forever"}, "max_cooldown"),
    ],
)
def test_bad_youtube_settings_name_the_key(
    tmp_path: Path, values: dict[str, Any], key: str
) -> None:
    """A setting yt-dlp could not use is refused at start-up with the key it concerns."""
    config = tmp_path / "config.toml"
    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in values.items()]
    config.write_text("[youtube]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"youtube.{key}"):
        load_settings(config)


async def test_a_download_goes_through_the_proxy_with_the_cookies(
    tmp_path: Path, clip: Path
) -> None:
    """The real yt-dlp fetches the watch page and the media through `youtube.proxy`, sending
    the cookies of `youtube.cookies_file`."""
    cookies = tmp_path / "cookies.txt"
    cookies.write_text(
        "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tSID\tsecret-session\n",
        encoding="utf-8",
    )
    async with VideoHost(clip) as host, ForwardProxy() as proxy:
        settings = youtube(url_template=host.url_template, proxy=proxy.url,
                           cookies_file=str(cookies))  # fmt: skip
        fetched = await fetch(host.url_for("trailer"), tmp_path / "out",
                              TrailerSettings(min_duration=1), settings)  # fmt: skip
    assert fetched.height == 360
    assert [url.split("/", 3)[3] for url in proxy.seen] == ["watch?v=trailer", "media/trailer.mp4"]
    assert host.cookies == ["SID=secret-session"] * 2
