"""Every exception Trailarr raises on purpose, and the rule that sorts yt-dlp's failures.

TrailarrError
├── ConfigError            the configuration is unusable; the command exits 2
├── EmbeddedRedisError     the embedded redis-server did not start; the command exits 2
├── PayloadError           a webhook body Trailarr cannot use (also a ValueError); answered 400
├── BadRequest             an API parameter or body Trailarr cannot use; answered 400
├── YtdlpError             yt-dlp failed; only its message is kept, for `classify_ytdlp`
├── TransientError         retried with backoff; the job runs again later
│   ├── ArrUnavailable     Arr API down, 5xx, 429, timeout, a body that is not JSON
│   ├── TmdbUnavailable    TMDB down, 5xx, 429, timeout, a body that is not JSON
│   ├── DownloadTransient  network trouble or YouTube throttling during a download or search
│   └── CoolingDown        YouTube's cool-down is on: the job waits, no try is used up
└── PermanentError         recorded with a reason a user can read; no retry until the sweep
    ├── MediaGone          the Arr answered 404 for the media
    ├── ArrRejected        the Arr refused our API key (401/403) or the request (400/422)
    ├── TmdbRejected       TMDB refused the API key (401): TMDB is skipped, the job goes on
    ├── CandidateFailed    this candidate cannot be downloaded; the next one is tried
    └── VerificationFailed the downloaded file is not a playable trailer; the next one is tried
"""

from __future__ import annotations


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
    """A download failed in a way that may pass (network, throttling)."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


class CoolingDown(TransientError):
    """YouTube is in its cool-down: the job waits, it has not failed."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(f"YouTube cool-down for {seconds:.0f} s more: {reason}")
        self.seconds = seconds


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


class CandidateFailed(PermanentError):
    """This candidate cannot be downloaded (gone, private, unsupported); try the next one."""


class VerificationFailed(PermanentError):
    """ffprobe found no video stream or a duration out of bounds."""


# Words in yt-dlp's messages (lower case) that say YouTube is throttling us, then those that say
# the network failed; anything else is a problem of that one video.
THROTTLE_SIGNS = (
    "http error 429",
    "too many requests",
    "not a bot",
    "rate-limit",
    "rate limit",
    "confirm you're not",
    "confirm you\u2019re not",
)
NETWORK_SIGNS = (
    "timed out",
    "connection refused",
    "connection reset",
    "temporary failure in name resolution",
    "network is unreachable",
    "http error 5",
    "remote end closed",
    "incompleteread",
)


def classify_ytdlp(message: str) -> DownloadTransient | CandidateFailed:
    """What a yt-dlp failure means: throttled (transient, starts the cool-down), a network
    failure (transient) or a problem of this video (the next candidate is tried)."""
    text = message.lower()
    if any(sign in text for sign in THROTTLE_SIGNS):
        return DownloadTransient(message, throttled=True)
    if any(sign in text for sign in NETWORK_SIGNS):
        return DownloadTransient(message)
    return CandidateFailed(message)
