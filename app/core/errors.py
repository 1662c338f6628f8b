"""Trailarr's error tree.

TrailarrError
├── TransientError        retried with backoff; the job runs again later
│   ├── ArrUnavailable    Arr API down, 5xx, timeout, 429
│   ├── TmdbUnavailable   TMDB down, 5xx, timeout, 429
│   └── DownloadTransient network trouble or YouTube throttling during a download
└── PermanentError        recorded with a reason a user can read; no retry until the sweep
    ├── MediaGone         the Arr no longer knows the media
    ├── PathRefused       the media folder is outside every mapped library root
    ├── NoTrailerFound    no candidate passed (or every download failed verification)
    └── VerificationFailed the downloaded file is not a playable trailer
"""

from __future__ import annotations


class TrailarrError(Exception):
    """Base of every error Trailarr raises on purpose."""


class TransientError(TrailarrError):
    """Worth retrying later."""


class ArrUnavailable(TransientError):
    """The Arr API did not answer usefully (down, 5xx, timeout, 429)."""


class TmdbUnavailable(TransientError):
    """TMDB did not answer usefully (down, 5xx, timeout, 429)."""


class DownloadTransient(TransientError):
    """A download failed in a way that may pass (network, throttling)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


class PermanentError(TrailarrError):
    """Retrying now would give the same answer."""


class MediaGone(PermanentError):
    """The Arr answered 404 for the media."""


class PathRefused(PermanentError):
    """The media folder is outside every mapped library root."""


class NoTrailerFound(PermanentError):
    """No candidate passed the rules, or none could be downloaded and verified."""


class VerificationFailed(PermanentError):
    """ffprobe found no video stream or a duration out of bounds."""
