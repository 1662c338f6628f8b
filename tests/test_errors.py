"""The error tree: what each yt-dlp failure means for the job."""

from __future__ import annotations

import pytest

from app.core import errors
from app.core.errors import PermanentError, TrailarrError, TransientError, download_failure

# Messages as yt-dlp words them (ERROR: lines of yt-dlp 2026.x), and what they must mean.
THROTTLED, NETWORK, THIS_VIDEO = "throttled", "network", "this video"
TABLE = [
    ("ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you're not a bot. Use --cookies-from-"
     "browser or --cookies for the authentication.", THROTTLED),
    ("ERROR: [youtube] dQw4w9WgXcQ: Sign in to confirm you\u2019re not a bot", THROTTLED),
    ("ERROR: unable to download video data: HTTP Error 429: Too Many Requests", THROTTLED),
    ("ERROR: [youtube] abc: YouTube said: rate limit exceeded", THROTTLED),
    ("ERROR: [youtube:search] trailer: This content isn't available, try again later. "
     "Your requests are being rate-limited", THROTTLED),
    ("ERROR: Unable to download webpage: <urlopen error timed out> (caused by TimeoutError)",
     NETWORK),
    ("ERROR: Unable to download webpage: <urlopen error [Errno 111] Connection refused>",
     NETWORK),
    ("ERROR: [Errno 104] Connection reset by peer", NETWORK),
    ("ERROR: Unable to download webpage: <urlopen error [Errno -3] Temporary failure in name "
     "resolution>", NETWORK),
    ("ERROR: <urlopen error [Errno 101] Network is unreachable>", NETWORK),
    ("ERROR: unable to download video data: HTTP Error 503: Service Unavailable", NETWORK),
    ("ERROR: Remote end closed connection without response", NETWORK),
    ("ERROR: IncompleteRead(1024 bytes read, 2048 more expected)", NETWORK),
    ("ERROR: [youtube] abc: Video unavailable. This video is private", THIS_VIDEO),
    ("ERROR: [youtube] abc: Video unavailable. This video has been removed by the uploader",
     THIS_VIDEO),
    ("ERROR: [generic] gone0000003: Unable to download webpage: HTTP Error 404: Not Found "
     "(caused by <HTTPError 404: Not Found>)", THIS_VIDEO),
    ("ERROR: Unsupported URL: https://example.com/not-a-video", THIS_VIDEO),
    ("ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate",
     THIS_VIDEO),
    ("", THIS_VIDEO),
]  # fmt: skip


@pytest.mark.parametrize(("message", "meaning"), TABLE)
def test_ytdlp_failures_are_classified(message: str, meaning: str) -> None:
    """Throttling trips YouTube's breaker, network trouble retries the job, anything else moves
    on to the next candidate; the message is kept word for word (tests/test_failure_classes.py
    has the classes in detail)."""
    error = download_failure(message)
    found = (
        THROTTLED if error.failure_class.trips_breaker
        else THIS_VIDEO if error.failure_class.rejects_candidate
        else NETWORK
    )  # fmt: skip
    assert (found, str(error)) == (meaning, message)


def test_every_error_is_in_the_tree_and_its_drawing() -> None:
    """Every exception class of app.core.errors descends from TrailarrError, retryable ones from
    TransientError and final ones from PermanentError, each drawn under its parent."""
    classes = [
        value for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, BaseException)
    ]  # fmt: skip
    assert len(classes) >= 17
    drawing = errors.__doc__ or ""
    for cls in classes:
        assert issubclass(cls, TrailarrError), cls
        assert f" {cls.__name__} " in drawing or f"\n{cls.__name__}\n" in drawing, cls
        if cls.__base__ in (TransientError, PermanentError):
            parent_at = drawing.index(cls.__base__.__name__)
            assert drawing.index(f" {cls.__name__} ") > parent_at, cls
