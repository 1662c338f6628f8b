"""HTML for the status page and the media page: plain data in, escaped HTML out, no JavaScript.

Every value from the database, Redis or an Arr goes through `esc`; a link to a candidate is made
only for an http(s) URL.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from typing import Any

from app.core.records import MediaState
from app.store.reads import DOWNLOADING, MAIN_STATUSES

LABELS = {
    MediaState.PRESENT: "present (user's)",
    MediaState.DOWNLOADED: "downloaded by Trailarr",
    MediaState.LOW_QUALITY: "low quality (retried weekly)",
    MediaState.QUEUED: "queued",
    DOWNLOADING: "downloading",
    MediaState.FAILED: "failed",
    MediaState.NO_TRAILER: "no trailer found",
}

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem 1.5rem;
color:#1d2327;background:#fafafa}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h1 a{color:inherit;text-decoration:none}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e5e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f0f2f4;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.facts{display:flex;flex-wrap:wrap;gap:.6rem}.fact{background:#fff;border:1px solid #e3e5e8;
border-radius:6px;padding:.4rem .7rem}.ok{color:#17692d}.bad{color:#a4161a}.muted{color:#6b7178}
.chosen{background:#eef8f0}form{display:inline;margin:0}
button{font:inherit;padding:.15rem .7rem;border:1px solid #8b9299;border-radius:4px;
background:#fff;cursor:pointer}input[type=url]{font:inherit;width:28rem;max-width:70%}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
"""


def esc(value: object) -> str:
    """`value` as text safe inside HTML elements and quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def when(timestamp: object) -> str:
    """A Unix time as local date and time, or an empty string."""
    if not isinstance(timestamp, int | float) or timestamp <= 0:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def page(title: str, body: str) -> str:
    """A whole document around `body`."""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f'<h1><a href="/">Trailarr</a></h1>{body}</body></html>'
    )


def table(headers: Sequence[str], rows: Iterable[str], empty: str, name: str = "") -> str:
    """A table with escaped headers and pre-rendered rows; `empty` when there are none."""
    rendered = "".join(rows)
    ident = f' id="{esc(name)}"' if name else ""
    if not rendered:
        return f'<p class="muted"{ident}>{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{rendered}</tbody></table>"


def media_link(media_id: object, title: object) -> str:
    """A link to the media page, or the bare title when the media is unknown."""
    if isinstance(media_id, int):
        return f'<a href="/media/{media_id}">{esc(title or "(untitled)")}</a>'
    return esc(title or "")


def retry_button(media_id: int, back: str) -> str:
    """A form that posts to the retry action and comes back to `back`."""
    return (
        f'<form method="post" action="/api/media/{media_id}/retry" class="retry">'
        f'<input type="hidden" name="back" value="{esc(back)}">'
        "<button type=submit>Retry</button></form>"
    )


def _facts(summary: dict[str, Any]) -> str:
    queue, worker = summary["queue"], summary["worker"]
    if queue is None:
        queue_text = '<span class="bad">Redis unavailable</span>'
    else:
        queue_text = f'<span id="queue-depth">{queue["depth"]}</span> ({queue["running"]} running)'
    state = "ok" if worker["ok"] else "bad"
    heartbeat = "alive" if worker["ok"] else "no heartbeat"
    worker_text = (
        f'<span id="worker" class="{state}">{heartbeat}</span>'
        f' <span class="muted">{esc(worker.get("detail", ""))}</span>'
    )
    return (
        '<div class="facts">'
        f'<div class="fact">Queue: {queue_text}</div>'
        f'<div class="fact">Worker: {worker_text}</div>'
        f'<div class="fact">YouTube: {_youtube_text((summary["sources"] or {}).get("youtube"))}'
        "</div></div>"
    )


def _youtube_text(youtube: dict[str, Any] | None) -> str:
    if youtube is None:
        return '<span id="youtube" class="bad">unknown (Redis unavailable)</span>'
    pace = f'<span class="muted">pace {youtube["pace_per_hour"]:g}/h</span>'
    if youtube["state"] == "ok":
        return f'<span id="youtube" class="ok">ok</span> {pace}'
    if youtube["state"] == "paused" and youtube["until"]:
        left = max(1, round((youtube["until"] - time.time()) / 60))
        span = f"paused, {left} min left"
    else:
        span = "probing: one download is testing whether YouTube answers again"
    note = f"trip {youtube['trips']} in a row, {youtube['last_class']}: {youtube['last_error']}"
    return (
        f'<span id="youtube" class="bad">{esc(span)}</span> {pace}'
        f' <span class="muted">{esc(note)}</span>'
    )


def _counts(counts: dict[str, dict[str, int]]) -> str:
    others = sorted({s for per in counts.values() for s in per} - set(MAIN_STATUSES))
    statuses = [*MAIN_STATUSES, *others]
    rows = []
    for instance, per in sorted(counts.items()):
        cells = "".join(
            f'<td class="n" data-instance="{esc(instance)}" data-status="{esc(s)}">'
            f"{per.get(s, 0)}</td>"
            for s in statuses
        )
        rows.append(f"<tr><th>{esc(instance)}</th>{cells}"
                    f'<td class="n">{sum(per.values())}</td></tr>')  # fmt: skip
    headers = ["instance", *(LABELS.get(s, s.replace("_", " ")) for s in statuses), "total"]
    return table(headers, rows, "No Radarr or Sonarr instance is configured.", "counts")


def status_page(
    summary: dict[str, Any],
    attention: Sequence[dict[str, Any]],
    jobs: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
) -> str:
    """`GET /`: counts, queue, worker, YouTube, what needs attention, latest jobs and events."""
    failing = (
        f"<tr><td>{media_link(m['id'], m['title'])}</td><td>{esc(m['instance'])}</td>"
        f"<td>{esc(m['status'])}</td><td>{esc(m['reason'])}</td>"
        f'<td class="n">{m["failures"]}</td><td>{retry_button(m["id"], "/")}</td></tr>'
        for m in attention
    )
    job_rows = (
        f"<tr><td>{when(j['finished_at'])}</td><td>{esc(j['instance'])}</td>"
        f"<td>{media_link(j['media_id'], j['title'] or j['arr_id'])}</td>"
        f"<td>{esc(j['outcome'])}</td><td>{esc(j['reason'])}</td></tr>"
        for j in jobs
    )
    event_rows = (
        f"<tr><td>{when(e['received_at'])}</td><td>{esc(e['instance'])}</td>"
        f"<td>{esc(e['event_type'])}</td><td>{media_link(e['media_id'], e['summary'])}</td>"
        f"<td>{esc(e['state'])}</td></tr>"
        for e in events
    )
    body = (
        _facts(summary)
        + "<h2>Library</h2>" + _counts(summary["counts"])
        + "<h2>Needs attention</h2>"
        + table(["title", "instance", "status", "reason", "failures", ""], failing,
                "Nothing failed.", "attention")
        + "<h2>Latest job outcomes</h2>"
        + table(["finished", "instance", "media", "outcome", "reason"], job_rows,
                "No job has finished yet.", "jobs")
        + "<h2>Latest events</h2>"
        + table(["received", "instance", "event", "summary", "state"], event_rows,
                "No webhook received yet.", "events")
    )  # fmt: skip
    return page("Trailarr", body)


def _url_cell(url: object) -> str:
    text = esc(url)
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return f'<a href="{text}" rel="noreferrer">{text}</a>'
    return text


def _why(run: dict[str, Any]) -> str:
    candidates = run["candidates"]
    chosen = next((c for c in candidates if c.get("chosen")), None)
    if chosen is None:
        return '<p class="muted">No candidate was downloaded in this run.</p>'
    accepted = [c for c in candidates if c.get("accepted")]
    above = accepted.index(chosen) if chosen in accepted else 0
    why = f"the best-ranked of {len(accepted)} accepted candidate(s)"
    if above:
        why += f"; the {above} ranked above it could not be downloaded or verified"
    rejected = len(candidates) - len(accepted)
    return (
        f"<p>Chosen: <strong>{esc(chosen.get('name') or chosen.get('url'))}</strong>"
        f" ({esc(chosen.get('source'))}, score {esc(chosen.get('score'))}): {esc(why)};"
        f" {rejected} rejected.</p>"
    )


def _tried(candidate: dict[str, Any]) -> str:
    """What downloading the candidate gave: its failure class and error, or its real height."""
    if candidate.get("failure_class"):
        return (f'<span class="bad failure">{esc(candidate["failure_class"])}</span>'
                f' <span class="muted">{esc(candidate.get("error", ""))}</span>')  # fmt: skip
    if candidate.get("height"):
        return f"{esc(candidate['height'])}p"
    return ""


def _run(run: dict[str, Any]) -> str:
    rows = (
        f'<tr class="{"chosen" if c.get("chosen") else ""}"><td class="n">{n}</td>'
        f"<td>{esc(c.get('source'))}</td><td>{esc(c.get('name'))}</td>"
        f"<td>{esc(c.get('type'))}</td><td>{esc(c.get('language'))}</td>"
        f'<td class="n">{esc(c.get("score"))}</td>'
        f"<td>{'yes' if c.get('accepted') else 'no'}</td>"
        f"<td>{'chosen' if c.get('chosen') else ''}</td><td>{esc(c.get('reason'))}</td>"
        f"<td>{_tried(c)}</td><td>{_url_cell(c.get('url'))}</td></tr>"
        for n, c in enumerate(run["candidates"], start=1)
    )
    headers = ["#", "source", "name", "type", "lang", "score", "accepted", "", "reason",
               "download", "url"]  # fmt: skip
    return (
        f"<h3>{when(run['finished_at'])} — {esc(run['outcome'])}</h3>"
        f"<p>{esc(run['reason'])}</p>{_why(run)}"
        + table(headers, rows, "No candidate was considered in this run.")
    )


def media_page(detail: dict[str, Any]) -> str:
    """`GET /media/{id}`: the item, its actions, every candidate of every run and its events."""
    m = detail["media"]
    back = f"/media/{m['id']}"
    owner = "" if not m["trailer_path"] else ("Trailarr's" if m["trailer_ours"] else "the user's")
    facts = [
        ("instance", f"{m['instance']} ({m['kind']} {m['arr_id']})"), ("status", m["status"]),
        ("reason", m["reason"]), ("trailer", f"{m['trailer_path']} {owner}".strip()),
        ("height", f"{m['trailer_height']}p" if m.get("trailer_height") else ""),
        ("pinned URL", m["pinned_url"]), ("failures", m["failures"]),
        ("retry after", when(m["retry_after"])), ("updated", when(m["updated_at"])),
        ("folder", m["folder"]),
    ]  # fmt: skip
    info = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v) if v != '' else '—'}</dd>" for k, v in facts)
    pin = (
        f'<form method="post" action="/api/media/{m["id"]}/trailer">'
        f'<input type="hidden" name="back" value="{esc(back)}">'
        '<input type="url" name="url" required placeholder="https://www.youtube.com/watch?v=..."> '
        "<button type=submit>Pin this trailer</button></form>"
    )
    event_rows = (
        f"<tr><td>{when(e['received_at'])}</td><td>{esc(e['event_type'])}</td>"
        f"<td>{esc(e['summary'])}</td><td>{esc(e['state'])}</td></tr>"
        for e in detail["events"]
    )
    runs = "".join(_run(run) for run in detail["history"])
    body = (
        f"<h2>{esc(m['title'])} ({esc(m['year'])})</h2><dl>{info}</dl>"
        f"<p>{retry_button(m['id'], back)} {pin}</p>"
        "<h2>Decisions, newest first</h2>"
        + (runs or '<p class="muted">No job has finished for it yet.</p>')
        + "<h2>Events</h2>"
        + table(["received", "event", "summary", "state"], event_rows, "No event recorded.")
    )
    return page(f"{m['title']} — Trailarr", body)


def message_page(title: str, message: str) -> str:
    """A short page for a 401 or 404."""
    return page(title, f"<h2>{esc(title)}</h2><p>{esc(message)}</p>")
