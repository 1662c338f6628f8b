"""The classes of a failed download (PRODUCT.md section 10) and the classifier of yt-dlp's messages.

A class says what a failure means for the pipeline:

- candidate classes (`unavailable`, `age_restricted`, `geo_blocked`, `invalid`): this video will
  not do; the job moves on to its next candidate at once;
- source classes (`rate_limited`, `bot_check`): the video host is pushing back; the shared
  breaker trips and every download from that host waits;
- `network`: the transfer broke; the job is retried with backoff.

yt-dlp reports every failure as text, so the classifier reads the message. The patterns come
from the messages yt-dlp builds (extractor/youtube/_video.py, extractor/common.py, YoutubeDL.py,
downloader/http.py, networking/exceptions.py); tests/test_failure_classes.py holds them.
"""

from __future__ import annotations

import re
from enum import StrEnum


class FailureClass(StrEnum):
    """Why a download failed, as recorded with the candidate."""

    RATE_LIMITED = "rate_limited"
    BOT_CHECK = "bot_check"
    UNAVAILABLE = "unavailable"
    AGE_RESTRICTED = "age_restricted"
    GEO_BLOCKED = "geo_blocked"
    NETWORK = "network"
    INVALID = "invalid"

    @property
    def rejects_candidate(self) -> bool:
        """The candidate is no good: try the next one now."""
        return self in CANDIDATE_CLASSES

    @property
    def trips_breaker(self) -> bool:
        """The host is pushing back: pause every download from it."""
        return self in SOURCE_CLASSES


CANDIDATE_CLASSES = frozenset(
    {
        FailureClass.UNAVAILABLE,
        FailureClass.AGE_RESTRICTED,
        FailureClass.GEO_BLOCKED,
        FailureClass.INVALID,
    }
)
SOURCE_CLASSES = frozenset({FailureClass.RATE_LIMITED, FailureClass.BOT_CHECK})

# Checked in this order, first match wins. Age and geography come first because YouTube words
# them with "sign in" and "not available" too; throttling comes before the bot check because
# both can carry a login hint.
_PATTERNS: tuple[tuple[FailureClass, tuple[str, ...]], ...] = (
    (
        FailureClass.AGE_RESTRICTED,
        (
            r"confirm your age",
            r"age[- ]restricted",
            r"inappropriate for some users",
            r"age[- ]verification",
            r"age[- ]gated",
        ),
    ),
    (
        FailureClass.GEO_BLOCKED,
        (
            r"not made this video available in your country",
            r"geo[- ]?restrict",
            r"from your location",
            r"not available in your (country|region)",
            r"blocked it in your country",
        ),
    ),
    (
        FailureClass.RATE_LIMITED,
        (
            r"http error 429",
            r"too many requests",
            r"isn.t available, try again later",
            r"rate[- ]limit",
        ),
    ),
    (
        FailureClass.BOT_CHECK,
        (
            r"not a bot",
            r"sign in to confirm",
            r"http error 403",
            r"po token",
            r"captcha",
            r"ip is likely being blocked",
            r"requested format is not available",
            r"no video formats found",
            r"only images are available",
            r"(signature|n challenge) solving failed",
        ),
    ),
    (
        FailureClass.UNAVAILABLE,
        (
            r"video unavailable",
            r"private video",
            r"video is private",
            r"has been removed",
            r"no longer available",
            r"has been terminated",
            r"http error (401|404|410)",
            r"unsupported url",
            r"members[- ]only",
            r"join this channel",
            r"requires payment",
            r"drm protected",
            r"live event will begin",
            r"premieres in",
            r"incomplete youtube id",
            r"is not a valid url",
        ),
    ),
    (
        FailureClass.NETWORK,
        (
            r"timed out",
            r"timeout",
            r"connection (refused|reset|aborted)",
            r"broken pipe",
            r"remote end closed",
            r"name resolution",
            r"name or service not known",
            r"network is unreachable",
            r"no route to host",
            r"http error 5\d\d",
            r"incompleteread",
            r"\d+ bytes read",
            r"downloaded \d+ bytes, expected \d+ bytes",
            r"did not get any data blocks",
            r"ssl",
            r"eof occurred",
            r"unable to download (webpage|json|video data): \[errno",
        ),
    ),
    (
        FailureClass.INVALID,
        (
            r"postprocessing",
            r"conversion failed",
            r"no video stream",
            r"without writing a file",
        ),
    ),
)
_COMPILED = tuple(
    (failure_class, re.compile("|".join(patterns))) for failure_class, patterns in _PATTERNS
)


def classify_failure(message: str) -> FailureClass:
    """The class of a failed download from yt-dlp's error message.

    A message no pattern knows is `unavailable`: it rejects that one candidate, so an error
    yt-dlp words in a new way costs one candidate instead of looping on retries.
    """
    text = message.lower().replace("\u2019", "'")
    for failure_class, pattern in _COMPILED:
        if pattern.search(text):
            return failure_class
    return FailureClass.UNAVAILABLE
