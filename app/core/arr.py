"""The Radarr/Sonarr v3 API client: fresh metadata for a media item, errors sorted for retry."""

from __future__ import annotations

from typing import Any

import aiohttp

from app.core.config import ArrInstance
from app.core.errors import ArrRejected, ArrUnavailable, MediaGone

DEFAULT_TIMEOUT = aiohttp.ClientTimeout(total=60, sock_connect=10)


class ArrClient:
    """A Radarr or Sonarr instance's v3 API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        instance: ArrInstance,
        timeout: aiohttp.ClientTimeout = DEFAULT_TIMEOUT,
    ) -> None:
        self.session = session
        self.instance = instance
        self.timeout = timeout

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """GET `/api/v3/<path>` as JSON; 404 → MediaGone, 400/401/403/422 → ArrRejected,
        5xx/429/network → ArrUnavailable."""
        url = f"{self.instance.url}/api/v3/{path}"
        headers = {
            "X-Api-Key": self.instance.api_key.get_secret_value(),
            "Accept": "application/json",
            "Accept-Encoding": "gzip",
        }
        name = self.instance.name
        try:
            async with self.session.get(
                url, params=params, headers=headers, timeout=self.timeout
            ) as response:
                if response.status == 404:
                    raise MediaGone(f"{name}: {path} not found")
                if response.status in (401, 403):
                    raise ArrRejected(f"{name} refused the API key (HTTP {response.status})")
                if response.status in (400, 422):
                    detail = (await response.text())[:200]
                    raise ArrRejected(
                        f"{name} refused the request for {path} (HTTP {response.status}): {detail}"
                    )
                if response.status != 200:  # 429, 5xx and anything unexpected: may pass
                    raise ArrUnavailable(f"{name} answered HTTP {response.status} for {path}")
                return await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ArrUnavailable(f"{name} unreachable: {type(exc).__name__} {exc}") from exc
        except ValueError as exc:
            raise ArrUnavailable(f"{name} sent a body that is not JSON") from exc

    async def media(self, kind: str, arr_id: int) -> dict[str, Any]:
        """One movie or series resource."""
        data = await self.get(f"{'movie' if kind == 'movie' else 'series'}/{arr_id}")
        if not isinstance(data, dict):
            raise ArrUnavailable(f"{self.instance.name} sent an unexpected body for {arr_id}")
        return data

    async def root_folders(self) -> list[str]:
        """The library root folders, as the Arr sees them."""
        data = await self.get("rootfolder")
        return [str(item["path"]) for item in data if isinstance(item, dict) and "path" in item]
