"""The HTTP surface: the application factory and access log (server), the JSON API (api), the
operator's pages (pages, html), `/health` and `/ready` (health), `/metrics` (metrics), the API key
(auth), the application's state (state) and the status summary they share (summary).
"""
