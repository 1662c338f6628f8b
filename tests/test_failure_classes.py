"""Failure classes: real yt-dlp error messages, and real yt-dlp failing against a local host.

The table holds messages as yt-dlp 2026.10.26 words them: the text YouTube sends (the player
response's `playabilityStatus.reason`, whose words yt-dlp's own tests quote) as yt-dlp's YouTube
extractor finishes it (extractor/youtube/_video.py, the "if not formats" block, and
_base.py `_youtube_login_hint`), wrapped by ExtractorError (utils/_utils.py: "[ie] id: msg") and
YoutubeDL.report_error ("ERROR: "); HTTP and transport errors as networking/exceptions.py and
downloader/http.py word them. The second test makes the real yt-dlp produce the HTTP, timeout,
reset and stalled-transfer messages against tests.fakes.videohost.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from pathlib import Path
from typing import Any, Literal

import pytest

from app.core.config import TrailerSettings, YoutubeSettings
from app.core.errors import YtdlpError
from app.core.failures import CANDIDATE_CLASSES, SOURCE_CLASSES, FailureClass, classify_failure
from tests.fakes.videohost import VideoHost
from workers.download import _run_ytdlp, ytdlp_options

F = FailureClass
YT = "ERROR: [youtube] dQw4w9WgXcQ: "
LOGIN_HINT = (  # extractor/youtube/_base.py _youtube_login_hint, extractor/common.py _login_hint
    "Use --cookies-from-browser or --cookies for the authentication. See  "
    "https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies-to-yt-dlp  for how to "
    "manually pass cookies. Also see  https://github.com/yt-dlp/yt-dlp/wiki/Extractors"
    "#exporting-youtube-cookies  for tips on effectively exporting YouTube cookies"
)
EJS_HELP = (  # extractor/youtube/_video.py, challenge solving help_message
    "Ensure you have a supported JavaScript runtime and challenge solver script distribution "
    "installed. Review any warnings presented before this message. For more details, refer to  "
    "https://github.com/yt-dlp/yt-dlp/wiki/EJS"
)

MESSAGES: list[tuple[str, FailureClass]] = [
    # rate_limited
    (YT + "This content isn't available, try again later. The current session has been "
     "rate-limited by YouTube for up to an hour. It is recommended to use `-t sleep` to add a "
     "delay between video requests to avoid exceeding the rate limit. For more information, "
     "refer to  https://github.com/yt-dlp/yt-dlp/wiki/Extractors"
     "#this-content-isnt-available-try-again-later", F.RATE_LIMITED),
    (YT + "This content isn\u2019t available, try again later.", F.RATE_LIMITED),
    ("ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: HTTP Error 429: Too Many "
     "Requests (caused by <HTTPError 429: Too Many Requests>)", F.RATE_LIMITED),
    ("ERROR: unable to download video data: HTTP Error 429: Too Many Requests", F.RATE_LIMITED),
    # bot_check
    (YT + "Sign in to confirm you\u2019re not a bot. " + LOGIN_HINT, F.BOT_CHECK),
    (YT + "Sign in to confirm you're not a bot. " + LOGIN_HINT, F.BOT_CHECK),
    (YT + "Video unavailable. YouTube is requiring a captcha challenge before playback",
     F.BOT_CHECK),
    ("ERROR: unable to download video data: HTTP Error 403: Forbidden", F.BOT_CHECK),
    (YT + "All player responses are invalid. Your IP is likely being blocked by Youtube",
     F.BOT_CHECK),
    (YT + "Requested format is not available. Use --list-formats for a list of available "
     "formats", F.BOT_CHECK),
    (YT + "No video formats found!; please report this issue on  "
     "https://github.com/yt-dlp/yt-dlp/issues?q= , filling out the appropriate issue template. "
     "Confirm you are on the latest version using  yt-dlp -U", F.BOT_CHECK),
    ("ERROR: [youtube] dQw4w9WgXcQ: web client https formats require a GVS PO Token which was "
     "not provided. They will be skipped as they may yield HTTP Error 403.", F.BOT_CHECK),
    (YT + "n challenge solving failed: Some formats may be missing. " + EJS_HELP, F.BOT_CHECK),
    # unavailable
    (YT + "Video unavailable", F.UNAVAILABLE),
    (YT + "Video unavailable. This video has been removed by the uploader", F.UNAVAILABLE),
    (YT + "Video unavailable. This video is no longer available because the YouTube account "
     "associated with this video has been terminated.", F.UNAVAILABLE),
    (YT + "This video has been removed for violating YouTube's policy on hate speech.",
     F.UNAVAILABLE),
    (YT + "Private video. Sign in if you've been granted access to this video. " + LOGIN_HINT,
     F.UNAVAILABLE),
    (YT + "Join this channel to get access to members-only content like this video, and other "
     "exclusive perks.", F.UNAVAILABLE),
    (YT + "This live event will begin in a few moments.", F.UNAVAILABLE),
    (YT + "This video is DRM protected", F.UNAVAILABLE),
    ("ERROR: [youtube:truncated_id] dQw4w9: Incomplete YouTube ID dQw4w9. URL "
     "https://www.youtube.com/watch?v=dQw4w9 looks truncated.", F.UNAVAILABLE),
    ("ERROR: [generic] watch?v=gone: Unable to download webpage: HTTP Error 404: Not Found "
     "(caused by <HTTPError 404: Not Found>)", F.UNAVAILABLE),
    ("ERROR: [generic] watch?v=gone: Unable to download webpage: HTTP Error 410: Gone "
     "(caused by <HTTPError 410: Gone>)", F.UNAVAILABLE),
    ("ERROR: Unsupported URL: http://127.0.0.1:8080/not-a-video", F.UNAVAILABLE),
    # age_restricted
    (YT + "Sign in to confirm your age. This video may be inappropriate for some users. "
     + LOGIN_HINT, F.AGE_RESTRICTED),
    (YT + "This video is age-restricted and only available on YouTube. " + LOGIN_HINT,
     F.AGE_RESTRICTED),
    # geo_blocked
    (YT + "The uploader has not made this video available in your country", F.GEO_BLOCKED),
    (YT + "This video is not available from your location due to geo restriction",
     F.GEO_BLOCKED),
    (YT + "Video unavailable. This video contains content from SME, who has blocked it in your "
     "country on copyright grounds", F.GEO_BLOCKED),
    # network
    ("ERROR: [generic] watch?v=x: Unable to download webpage: timed out (caused by "
     "TransportError('timed out'))", F.NETWORK),
    ("ERROR: [download] Got error: timed out. Giving up after 3 retries", F.NETWORK),
    ("ERROR: [download] Got error: The read operation timed out", F.NETWORK),
    ("ERROR: [download] Got error: Downloaded 10000 bytes, expected 453961 bytes. Giving up "
     "after 3 retries", F.NETWORK),
    ("ERROR: [download] Got error: 10000 bytes read, 443961 more expected", F.NETWORK),
    ("ERROR: [download] Got error: [Errno 104] Connection reset by peer", F.NETWORK),
    ("ERROR: [generic] watch?v=x: Unable to download webpage: [Errno 111] Connection refused "
     "(caused by TransportError('[Errno 111] Connection refused'))", F.NETWORK),
    ("ERROR: [youtube] dQw4w9WgXcQ: Unable to download webpage: [Errno -3] Temporary failure in "
     "name resolution (caused by TransportError('[Errno -3] Temporary failure in name "
     "resolution'))", F.NETWORK),
    ("ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: HTTP Error 503: Service "
     "Unavailable (caused by <HTTPError 503: Service Unavailable>)", F.NETWORK),
    ("ERROR: [youtube] dQw4w9WgXcQ: Unable to download API page: Remote end closed connection "
     "without response (caused by TransportError('Remote end closed connection without "
     "response'))", F.NETWORK),
    ("ERROR: [download] Did not get any data blocks", F.NETWORK),
    # invalid
    ("ERROR: Postprocessing: Conversion failed!", F.INVALID),
    ("yt-dlp finished without writing a file", F.INVALID),
]  # fmt: skip


@pytest.mark.parametrize(("message", "expected"), MESSAGES, ids=[m[:60] for m, _ in MESSAGES])
def test_yt_dlp_messages_get_their_class(message: str, expected: FailureClass) -> None:
    """Each real yt-dlp error message gets the class section 10 gives it."""
    assert classify_failure(message) is expected


def test_every_class_is_covered_and_kinds_are_disjoint() -> None:
    """The table has messages of every class; no class both rejects a candidate and trips."""
    assert {expected for _, expected in MESSAGES} == set(FailureClass)
    assert not CANDIDATE_CLASSES & SOURCE_CLASSES
    assert FailureClass.NETWORK not in CANDIDATE_CLASSES | SOURCE_CLASSES


def test_an_unknown_message_rejects_only_the_candidate() -> None:
    """A message no pattern knows costs one candidate, never a retry loop or a pause."""
    assert classify_failure("ERROR: [youtube] x: something new went wrong") is F.UNAVAILABLE


Case = tuple[int, Literal["stall", "cut"] | None, FailureClass]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _options(tmp_path: Path, url_template: str) -> dict[str, Any]:
    options = ytdlp_options(
        str(tmp_path / "%(id)s.%(ext)s"),
        TrailerSettings(min_duration=1),
        YoutubeSettings(url_template=url_template),
    )
    options.update(socket_timeout=1, retries=0, fragment_retries=0)  # fail in a second
    for ffmpeg_step in ("postprocessors", "merge_output_format"):  # not reached: saves probes
        options.pop(ffmpeg_step)
    return options


async def _message(url: str, options: dict[str, Any]) -> str:
    with pytest.raises(YtdlpError) as caught:
        await asyncio.to_thread(_run_ytdlp, url, options)
    return str(caught.value)


async def test_real_yt_dlp_failures_get_their_class(tmp_path: Path, clip: Path) -> None:
    """The real yt-dlp failing on 429, 403, 404, 503, a stall, a cut, a refusal is classed."""
    cases: dict[str, Case] = {
        "throttled": (429, None, F.RATE_LIMITED),
        "bot": (403, None, F.BOT_CHECK),
        "removed": (404, None, F.UNAVAILABLE),
        "broken": (503, None, F.NETWORK),
        "stalled": (200, "stall", F.NETWORK),
        "cut": (200, "cut", F.NETWORK),
    }
    # yt-dlp's HTTP downloader drops the response of a timed-out read without closing it (its
    # bug, not ours): that socket is collected here, where its ResourceWarning is expected.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        messages = await _fail_each(tmp_path, clip, cases)
        gc.collect()
    got = [classify_failure(message) for message in messages]
    assert got == [expected for _, _, expected in cases.values()] + [F.NETWORK]


async def _fail_each(tmp_path: Path, clip: Path, cases: dict[str, Case]) -> list[str]:
    async with VideoHost(clip) as host:
        options = _options(tmp_path, host.url_template)
        for key, (status, fault, _) in cases.items():
            host.answer(key, status)
            if fault is not None:
                host.fault(key, fault)
        urls = [host.url_for(key) for key in cases]
        urls.append(f"http://127.0.0.1:{_closed_port()}/watch?v=refused")
        return list(await asyncio.gather(*(_message(url, options) for url in urls)))
