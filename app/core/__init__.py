"""What every process shares: configuration, the error tree, Redis key names, the records that
cross a process boundary, the Arr and TMDB clients, path rules, the trailer choice, the job queue.

It imports nothing of the web surface, the store, the coordinator, the reconciler, the host, the
CLI, the workers or the webhook receiver, and neither aiosqlite nor aiohttp.web, so that a worker
loads only what it runs (the import-linter contracts in pyproject.toml hold it to that).
"""
