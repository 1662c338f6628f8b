"""Every exception Trailarr raises on purpose; what a failed download means is its class
(app/core/failures.py, the classifier of yt-dlp's messages).

TrailarrError
├── ConfigError            the configuration is unusable; the command exits 2
├── EmbeddedRedisError     the embedded redis-server did not start; the command exits 2
├── PayloadError           a webhook body Trailarr cannot use (also a ValueError); answered 400
├── BadRequest             an API parameter or body Trailarr cannot use; answered 400
├── YtdlpError             yt-dlp failed; only its message is kept, for `download_failure`
├── DownloadFailed         a download failed; its `failure_class` says what that means
├── TransientError         retried with backoff; the job runs again later
│   ├── ArrUnavailable     Arr API down, 5xx, 429, timeout, a body that is not JSON
│   ├── TmdbUnavailable    TMDB down, 5xx, 429, timeout, a body that is not JSON
│   ├── DownloadTransient  network trouble during a download: the job is retried
│   └── Deferred           YouTube is not to be asked now (a pause, the job's start time):
│                          the job waits, no try is used up
└── PermanentError         recorded with a reason a user can read; no retry until the sweep
    ├── MediaGone          the Arr answered 404 for the media
    ├── ArrRejected        the Arr refused our API key (401/403) or the request (400/422)
    ├── TmdbRejected       TMDB refused the API key (401): TMDB is skipped, the job goes on
    └── VerificationFailed the downloaded file is not a playable trailer (class `invalid`)
"""

from __future__ import annotations

from app.core.failures import FailureClass, classify_failure


class TrailarrError(Exception):
    """Base of every error Trailarr raises on purpose."""


class ConfigError(TrailarrError):
    """The configuration is unusable; the message names the key and the problem."""


class EmbeddedRedisError(TrailarrError):
    """The embedded redis-server could not be started."""


class PayloadError(TrailarrError, ValueError):
    """The body is not a webhook we can use; str(exc) says what is wrong, for a 400 answer."""


class BadRequest(TrailarrError):
    """A parameter or body the API cannot use; the message says which and why."""


class YtdlpError(TrailarrError):
    """yt-dlp failed; only its message is kept (its exception holds open HTTP responses)."""


class TransientError(TrailarrError):
    """Worth retrying later."""


class ArrUnavailable(TransientError):
    """The Arr API did not answer usefully (down, 5xx, timeout, 429)."""


class TmdbUnavailable(TransientError):
    """TMDB did not answer usefully (down, 5xx, timeout, 429)."""


class DownloadTransient(TransientError):
    """A download failed in a way that may pass (the network)."""


class Deferred(TransientError):
    """The source is not to be asked now: try again in `seconds`. Not a failure.

    `failure_class` and `error` say what happened when this download itself was refused.
    """

    def __init__(
        self,
        seconds: float,
        reason: str,
        failure_class: FailureClass | None = None,
        error: str = "",
    ) -> None:
        super().__init__(f"{reason}; again in {seconds:.1f} s")
        self.seconds = seconds
        self.reason = reason
        self.failure_class = failure_class
        self.error = error


class DownloadFailed(TrailarrError):
    """A download failed; `failure_class` says what that means for the job."""

    def __init__(self, message: str, failure_class: FailureClass) -> None:
        super().__init__(message)
        self.failure_class = failure_class


def download_failure(message: str) -> DownloadFailed:
    """A yt-dlp failure as the error it is, its message kept word for word."""
    return DownloadFailed(message, classify_failure(message))


class PermanentError(TrailarrError):
    """Retrying now would give the same answer."""


class MediaGone(PermanentError):
    """The Arr answered 404 for the media."""


class ArrRejected(PermanentError):
    """The Arr refused what we asked: our API key (401/403) or the request itself (400/422).

    A configuration or a request problem, not a passing one: asking again gets the same answer.
    """


class TmdbRejected(PermanentError):
    """TMDB refused the configured key (401): TMDB is skipped until the key is fixed."""


class VerificationFailed(PermanentError):
    """ffprobe found no video stream or a duration out of bounds."""
